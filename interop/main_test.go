package interop

import (
	"bytes"
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/internal/leakcheck"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wshttp"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// payloads every peer must echo unchanged.
func payloads() []struct {
	binary bool
	p      []byte
} {
	return []struct {
		binary bool
		p      []byte
	}{
		{false, []byte("")},
		{false, []byte("hello κόσμε 🚀")},
		{true, []byte{0, 1, 2, 255}},
		{false, bytes.Repeat([]byte("é"), 70000)},
		{true, bytes.Repeat([]byte{7}, 1<<20)},
	}
}

// serverClose records how our server saw the connection end.
type recorder struct {
	ws.BaseHandler
	mu     sync.Mutex
	closes []string
	done   chan struct{}
}

func newRecorder() *recorder { return &recorder{done: make(chan struct{}, 64)} }

func (r *recorder) OnMessage(c *ws.Conn, p []byte, isBinary bool) {
	op := ws.OpText
	if isBinary {
		op = ws.OpBinary
	}
	_ = c.WriteMessage(context.Background(), op, p)
}

func (r *recorder) OnClose(c *ws.Conn, clean bool, code ws.StatusCode, reason string) {
	r.mu.Lock()
	s := code.String()
	if !clean {
		s += " (unclean)"
	}
	r.closes = append(r.closes, s+" "+reason)
	r.mu.Unlock()
	r.done <- struct{}{}
}

func (r *recorder) last(t *testing.T) string {
	t.Helper()
	select {
	case <-r.done:
	case <-time.After(10 * time.Second):
		t.Fatal("server never saw the close")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.closes[len(r.closes)-1]
}

// ourServer runs our echo server (wshttp) and returns its ws:// URL.
func ourServer(t *testing.T, rec *recorder) string {
	t.Helper()
	srv := &ws.Server{Handler: rec, Options: &ws.Options{MaxMessagePayload: 4 << 20}}
	ts := httptest.NewServer(wshttp.Handler(srv))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		ts.Close()
	})
	return "ws" + strings.TrimPrefix(ts.URL, "http") + "/echo"
}

// ourClientEcho runs our client against an echo server at url.
func ourClientEcho(t *testing.T, url string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, frag := range []int{0, 1000} {
		c, err := ws.Dial(ctx, url, &ws.Options{AutoFragmentSize: frag})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Ping(ctx, []byte("ping")); err != nil {
			t.Fatal(err)
		}
		for _, m := range payloads() {
			op := ws.OpText
			if m.binary {
				op = ws.OpBinary
			}
			if err := c.WriteMessage(ctx, op, m.p); err != nil {
				t.Fatal(err)
			}
			gotOp, got, err := c.ReadMessage(ctx)
			if err != nil || gotOp != op || !bytes.Equal(got, m.p) {
				t.Fatalf("frag %d: echo of %d bytes: %v %d bytes %v", frag, len(m.p), gotOp, len(got), err)
			}
		}
		if err := c.Close(ws.StatusNormalClosure, "done"); err != nil {
			t.Fatal(err)
		}
	}
}
