package router_test

import (
	"bytes"
	"context"
	"log/slog"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/internal/leakcheck"
	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

const realm1 = "realm1"

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// newRouter starts a router with realm1 (anonymous) and closes it when
// the test ends.
func newRouter(t *testing.T, mod func(*router.Config)) *router.Router {
	t.Helper()
	cfg := router.Config{Realms: []router.RealmConfig{{Name: realm1, AllowAnonymous: true}}}
	if mod != nil {
		mod(&cfg)
	}
	r, err := router.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := r.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return r
}

// join joins realm1 in-process.
func join(t *testing.T, r *router.Router) *client.Session {
	t.Helper()
	return joinOver(t, r.Connect())
}

func joinOver(t *testing.T, tr wamp.Transport) *client.Session {
	t.Helper()
	s, err := client.Join(ctxT(t), tr, realm1, client.JoinOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// raw is a client end driven by hand: messages sent and received as is.
type raw struct {
	t  *testing.T
	tr wamp.Transport
}

func rawConn(t *testing.T, r *router.Router) *raw {
	c := &raw{t: t, tr: r.Connect()}
	t.Cleanup(func() { c.tr.Close() })
	return c
}

func (c *raw) send(m wamp.Message) {
	c.t.Helper()
	if err := c.tr.Send(ctxT(c.t), m); err != nil {
		c.t.Fatalf("send %s: %v", m.Type(), err)
	}
}

func (c *raw) recv() wamp.Message {
	c.t.Helper()
	m, err := c.tr.Recv(ctxT(c.t))
	if err != nil {
		c.t.Fatalf("recv: %v", err)
	}
	return m
}

var helloDetails = wamp.Dict{"roles": wamp.Dict{"caller": wamp.Dict{}, "callee": wamp.Dict{}, "publisher": wamp.Dict{}, "subscriber": wamp.Dict{}}}

// rawJoin joins realm1 by hand and returns the session ID.
func (c *raw) join() wamp.ID {
	c.t.Helper()
	c.send(&wamp.Hello{Realm: realm1, Details: helloDetails})
	w, ok := c.recv().(*wamp.Welcome)
	if !ok {
		c.t.Fatal("no WELCOME")
	}
	return w.Session
}

// logBuffer collects the router's log lines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func runtimeYield() { runtime.Gosched(); time.Sleep(100 * time.Microsecond) }
