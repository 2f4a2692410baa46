package interop

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/internal/leakcheck"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wshttp"
	"github.com/autobahn-go/autobahn/ws/wsloop"
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

func (r *recorder) OnMessage(c *ws.Conn, op ws.Opcode, p []byte) {
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

// drivers are the ways our server runs the same handler: on goroutines
// (wshttp in net/http) and on the event loop (ws/wsloop).
var drivers = []string{"goroutines", "loop"}

// ourServerOn runs our echo server on driver and returns its ws:// URL.
func ourServerOn(t *testing.T, rec *recorder, driver string) string {
	t.Helper()
	if driver == "goroutines" {
		return ourServer(t, rec)
	}
	srv := &wsloop.Server{Handler: rec, Options: &ws.Options{MaxMessagePayload: 4 << 20}}
	addr, err := srv.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ran := make(chan error, 1)
	go func() { ran <- srv.Run() }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-ran
	})
	return "ws://" + addr.String() + "/echo"
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

// loopEcho collects, on the loop client, copies of what the server echoes.
type loopEcho struct {
	ws.BaseHandler
	msgs  chan []byte
	ended chan string
}

func (h *loopEcho) OnMessage(c *ws.Conn, op ws.Opcode, p []byte) {
	h.msgs <- append([]byte{byte(op)}, p...) // p is valid only during the call
}

func (h *loopEcho) OnClose(c *ws.Conn, clean bool, code ws.StatusCode, reason string) {
	h.ended <- fmt.Sprint(clean, " ", code)
}

// ourLoopClientEcho runs our event-loop client (wsloop.Client) against an
// echo server at url.
func ourLoopClientEcho(t *testing.T, url string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, frag := range []int{0, 1000} {
		cl := &wsloop.Client{Options: &ws.Options{AutoFragmentSize: frag, MaxMessagePayload: 4 << 20}}
		h := &loopEcho{msgs: make(chan []byte, 1), ended: make(chan string, 1)}
		c, err := cl.Dial(ctx, url, h)
		if err != nil {
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
			select {
			case got := <-h.msgs:
				if ws.Opcode(got[0]) != op || !bytes.Equal(got[1:], m.p) {
					t.Fatalf("frag %d: echo of %d bytes: op %v, %d bytes", frag, len(m.p), ws.Opcode(got[0]), len(got)-1)
				}
			case <-ctx.Done():
				t.Fatal("no echo")
			}
		}
		if err := c.Close(ws.StatusNormalClosure, "done"); err != nil {
			t.Fatal(err)
		}
		select {
		case end := <-h.ended:
			if end != "true NormalClosure(1000)" {
				t.Fatalf("ended %q", end)
			}
		case <-ctx.Done():
			t.Fatal("no close")
		}
		_ = cl.Close()
	}
}
