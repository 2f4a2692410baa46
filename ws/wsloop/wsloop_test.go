package wsloop_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/internal/wsconf"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/ext/deflate"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// echo answers every message; it records how connections ended.
type echo struct {
	ws.BaseHandler
	mu     sync.Mutex
	opened int
	ends   []string // "clean code reason"
	ended  chan struct{}
}

func newEcho() *echo { return &echo{ended: make(chan struct{}, 64)} }

func (h *echo) OnOpen(*ws.Conn) { h.mu.Lock(); h.opened++; h.mu.Unlock() }

func (h *echo) OnMessage(c *ws.Conn, op ws.Opcode, p []byte) {
	if string(p) == "close please" {
		_ = c.Close(4000, "asked")
		return
	}
	_ = c.WriteMessage(context.Background(), op, p)
}

func (h *echo) OnClose(c *ws.Conn, clean bool, code ws.StatusCode, reason string) {
	h.mu.Lock()
	h.ends = append(h.ends, fmt.Sprintf("%v %d %s", clean, code, reason))
	h.mu.Unlock()
	h.ended <- struct{}{}
}

func (h *echo) waitEnd(t *testing.T) string {
	t.Helper()
	select {
	case <-h.ended:
	case <-time.After(10 * time.Second):
		t.Fatal("OnClose was not called")
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.ends[len(h.ends)-1]
}

// serve runs h on a wsloop.Server on a loopback port and returns the URL
// of /echo; the server is shut down when the test ends.
func serve(t testing.TB, h ws.Handler, opts *ws.Options, cfg eventloop.Config) (string, *wsloop.Server) {
	t.Helper()
	srv := &wsloop.Server{Handler: h, Options: opts, Config: cfg}
	addr, _ := wsconf.StartLoop(t, srv)
	return "ws://" + addr.String() + "/echo", srv
}

func dial(t *testing.T, url string, opts *ws.Options) *ws.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := ws.Dial(ctx, url, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close(ws.StatusNormalClosure, "") })
	return c
}

func TestConformanceServer(t *testing.T) {
	u, _ := serve(t, newEcho(), wsconf.Options, eventloop.Config{Loops: 1})
	wsconf.Server(t, u)
}

func TestConformanceClient(t *testing.T) {
	cl := &wsloop.Client{Options: wsconf.Options, Config: eventloop.Config{Loops: 1}}
	defer cl.Close()
	wsconf.Client(t, func(ctx context.Context, url string) {
		h := newEcho()
		if _, err := cl.Dial(ctx, url, h); err != nil {
			t.Error(err)
			return
		}
		select {
		case <-h.ended:
		case <-ctx.Done():
			t.Error("client did not end")
		}
	})
}

// TestEcho: the goroutine client (ws.Dial) against the loop server, every
// size class, text and binary, whole and fragmented.
func TestEcho(t *testing.T) {
	u, _ := serve(t, newEcho(), nil, eventloop.Config{})
	for _, frag := range []int{0, 1000} {
		c := dial(t, u, &ws.Options{AutoFragmentSize: frag})
		ctx := context.Background()
		for _, n := range []int{0, 1, 125, 126, 4095, 65535, 65536, 1 << 20} {
			for _, op := range []ws.Opcode{ws.OpText, ws.OpBinary} {
				msg := bytes.Repeat([]byte{'a' + byte(n%26)}, n)
				if err := c.WriteMessage(ctx, op, msg); err != nil {
					t.Fatal(err)
				}
				gop, got, err := c.ReadMessage(ctx)
				if err != nil {
					t.Fatalf("size %d: %v", n, err)
				}
				if gop != op || !bytes.Equal(got, msg) {
					t.Fatalf("size %d op %v: got op %v, %d bytes", n, op, gop, len(got))
				}
			}
		}
	}
}

// TestHandlerCloses: Close from OnMessage (on the loop) runs the close
// handshake without blocking the loop.
func TestHandlerCloses(t *testing.T) {
	h := newEcho()
	u, _ := serve(t, h, nil, eventloop.Config{Loops: 1})
	c := dial(t, u, nil)
	ctx := context.Background()
	if err := c.WriteMessage(ctx, ws.OpText, []byte("close please")); err != nil {
		t.Fatal(err)
	}
	_, _, err := c.ReadMessage(ctx)
	var ce *ws.CloseError
	if !errors.As(err, &ce) || ce.Code != 4000 || ce.Reason != "asked" || !ce.WasClean {
		t.Fatalf("client got %v", err)
	}
	if got := h.waitEnd(t); got != "true 4000 " {
		t.Fatalf("server OnClose: %q", got)
	}
}

// TestPeerCloses: the client's close is echoed and reported as clean.
func TestPeerCloses(t *testing.T) {
	h := newEcho()
	u, _ := serve(t, h, nil, eventloop.Config{Loops: 1})
	c := dial(t, u, nil)
	if err := c.Close(ws.StatusNormalClosure, "done"); err != nil {
		t.Fatal(err)
	}
	if got := h.waitEnd(t); got != "true 1000 done" {
		t.Fatalf("server OnClose: %q", got)
	}
}

// TestShutdown closes every connection with 1001.
func TestShutdown(t *testing.T) {
	h := newEcho()
	addr, stop := wsconf.StartLoop(t, &wsloop.Server{Handler: h})
	var conns []*ws.Conn
	for range 5 {
		conns = append(conns, dial(t, "ws://"+addr.String()+"/", nil))
	}
	got := make(chan error, len(conns))
	for _, c := range conns {
		go func() {
			_, _, err := c.ReadMessage(context.Background())
			got <- err
		}()
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	for range conns {
		var ce *ws.CloseError
		if err := <-got; !errors.As(err, &ce) || ce.Code != ws.StatusGoingAway {
			t.Fatalf("client got %v", err)
		}
	}
	for range conns {
		if end := h.waitEnd(t); !strings.HasPrefix(end, "true 1001") {
			t.Fatalf("server OnClose %q", end)
		}
	}
}

func TestRejections(t *testing.T) {
	u, _ := serve(t, newEcho(), &ws.Options{MaxConnections: 1}, eventloop.Config{})
	dial(t, u, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := ws.Dial(ctx, u, nil)
	var he *ws.HandshakeError
	if !errors.As(err, &he) || he.Status != 503 {
		t.Fatalf("second connection: %v", err)
	}
	u2, _ := serve(t, newEcho(), nil, eventloop.Config{})
	_, err = ws.Dial(ctx, u2, &ws.Options{Header: map[string][]string{"Origin": {"http://evil.example"}}})
	if !errors.As(err, &he) || he.Status != 403 {
		t.Fatalf("foreign origin: %v", err)
	}
}

// TestHandshakeTimeout: a connection that sends no handshake is closed.
func TestHandshakeTimeout(t *testing.T) {
	u, _ := serve(t, newEcho(), &ws.Options{HandshakeTimeout: 200 * time.Millisecond}, eventloop.Config{TimerResolution: 10 * time.Millisecond})
	// From before the dial: the server's timer starts when it accepts,
	// which may be well before Dial returns here on a slow machine.
	start := time.Now()
	nc, err := net.Dial("tcp", strings.TrimSuffix(strings.TrimPrefix(u, "ws://"), "/echo"))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.Copy(io.Discard, nc); err != nil {
		t.Fatalf("not closed: %v", err)
	}
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Fatalf("closed after %v", d)
	}
}

// TestPingTimeout: a peer that answers nothing is pinged, then dropped.
func TestPingTimeout(t *testing.T) {
	h := newEcho()
	u, _ := serve(t, h, &ws.Options{PingInterval: 50 * time.Millisecond, PingTimeout: 50 * time.Millisecond}, eventloop.Config{})
	nc, err := net.Dial("tcp", strings.TrimSuffix(strings.TrimPrefix(u, "ws://"), "/echo"))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	req := "GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
	if _, err := nc.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	_ = nc.SetDeadline(time.Now().Add(5 * time.Second))
	got, err := io.ReadAll(nc) // never answers the ping
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(got, []byte{0x89, 0x00}) {
		t.Fatalf("no ping in %q", got)
	}
	if end := h.waitEnd(t); !strings.HasPrefix(end, "false 1006") {
		t.Fatalf("OnClose %q", end)
	}
}

// TestLoopToLoop: client and server both on loops, with permessage-deflate
// (context takeover) negotiated.
func TestLoopToLoop(t *testing.T) {
	opts := &ws.Options{Extensions: []ws.Extension{deflate.New(deflate.Options{})}}
	u, _ := serve(t, newEcho(), opts, eventloop.Config{Loops: 1})
	cl := &wsloop.Client{Options: opts, Config: eventloop.Config{Loops: 1}}
	defer cl.Close()
	h := &counter{open: make(chan *ws.Conn, 1), ended: make(chan struct{})}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := cl.Dial(ctx, u, h)
	if err != nil {
		t.Fatal(err)
	}
	<-h.open
	if !strings.HasPrefix(c.Extensions(), "permessage-deflate") {
		t.Fatalf("extensions %q", c.Extensions())
	}
	for i := range 100 {
		msg := strings.Repeat(`{"kind":"tick","n":`, 1+i%7) + fmt.Sprint(i)
		if err := c.WriteMessage(ctx, ws.OpText, []byte(msg)); err != nil {
			t.Fatal(err)
		}
	}
	for h.n.Load() < 100 && ctx.Err() == nil {
		time.Sleep(5 * time.Millisecond)
	}
	if h.n.Load() != 100 {
		t.Fatalf("got %d echoes", h.n.Load())
	}
	_ = c.Close(ws.StatusNormalClosure, "")
	<-h.ended
}

func TestDialRefusesProxy(t *testing.T) {
	proxy := func(*url.URL) (*url.URL, error) { return &url.URL{Scheme: "http", Host: "127.0.0.1:1"}, nil }
	cl := &wsloop.Client{Options: &ws.Options{Proxy: proxy}}
	defer cl.Close()
	if _, err := cl.Dial(context.Background(), "wss://127.0.0.1:1/", ws.BaseHandler{}); !errors.Is(err, wsloop.ErrUnsupported) {
		t.Fatalf("wss through a proxy: %v", err)
	}
}

// slowCallback announces each OnMessage and holds the loop in it for a
// while.
type slowCallback struct {
	ws.BaseHandler
	conn     chan *ws.Conn
	inCB     chan struct{}
	cbLength time.Duration
}

func (h *slowCallback) OnOpen(c *ws.Conn) { h.conn <- c }

func (h *slowCallback) OnMessage(_ *ws.Conn, _ ws.Opcode, _ []byte) {
	h.inCB <- struct{}{}
	time.Sleep(h.cbLength)
}

// TestWriterBesideCallback: a goroutine that writes while the loop is in a
// callback for the same connection queues its messages, which the loop
// sends when the callback ends, however long it takes (50 ms here): a
// large one goes through with output pending as long as no more than the
// high watermark is. (Such a writer once failed with
// eventloop.ErrQueueFull after waiting 5 ms for the callback.)
func TestWriterBesideCallback(t *testing.T) {
	const high = 64 << 10
	h := &slowCallback{conn: make(chan *ws.Conn, 1), inCB: make(chan struct{}, 1), cbLength: 50 * time.Millisecond}
	u, _ := serve(t, h, &ws.Options{PingInterval: -1}, eventloop.Config{WriteHighWatermark: high})
	for range 5 {
		c := dial(t, u, &ws.Options{PingInterval: -1})
		sc := <-h.conn
		if err := c.WriteMessage(context.Background(), ws.OpText, []byte("x")); err != nil {
			t.Fatal(err)
		}
		<-h.inCB
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		// Pending output, then a write past twice the watermark, both while
		// the loop is (most likely still) in OnMessage.
		if err := sc.WriteMessage(ctx, ws.OpBinary, make([]byte, 16<<10)); err != nil {
			t.Fatalf("first write: %v", err)
		}
		if err := sc.WriteMessage(ctx, ws.OpBinary, make([]byte, 3*high)); err != nil {
			t.Fatalf("write beside a callback: %v", err)
		}
		for _, n := range []int{16 << 10, 3 * high} {
			if _, p, err := c.ReadMessage(ctx); err != nil || len(p) != n {
				t.Fatalf("client read %d bytes, %v; want %d", len(p), err, n)
			}
		}
		cancel()
	}
}
