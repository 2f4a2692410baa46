package wsloop_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
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

// pusher writes from another goroutine as fast as it may.
type pusher struct {
	ws.BaseHandler
	size     int
	deadline time.Duration // default 500 ms
	result   chan error
	sent     atomic.Int64
	waits    atomic.Int64 // WaitWritable calls
	conn     atomic.Pointer[ws.Conn]
}

func (h *pusher) OnOpen(c *ws.Conn) {
	h.conn.Store(c)
	go func() {
		d := h.deadline
		if d == 0 {
			d = 500 * time.Millisecond
		}
		ctx, cancel := context.WithTimeout(context.Background(), d)
		defer cancel()
		msg := make([]byte, h.size)
		for {
			h.waits.Add(1)
			err := c.WaitWritable(ctx)
			if err == nil {
				err = c.WriteMessage(ctx, ws.OpBinary, msg)
			}
			if err != nil {
				h.result <- err
				return
			}
			h.sent.Add(int64(h.size))
		}
	}()
}

// TestBackPressure: a writer off the loop waits (WaitWritable) while the
// peer does not read, and gives up at its context's deadline; memory stays
// bounded.
func TestBackPressure(t *testing.T) {
	h := &pusher{size: 64 << 10, result: make(chan error, 1)}
	u, _ := serve(t, h, &ws.Options{PingInterval: -1}, eventloop.Config{WriteHighWatermark: 256 << 10})
	silentPeer(t, u)
	select {
	case err := <-h.result:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("writer ended with %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("writer never blocked")
	}
	// Kernel buffers on both sides take a few MB at most on loopback; the
	// rest must have waited.
	if sent := h.sent.Load(); sent > 32<<20 {
		t.Fatalf("%d bytes accepted from a peer that reads nothing", sent)
	}
}

// silentPeer opens a WebSocket connection to u over plain TCP, with a small
// receive buffer, and never reads from it; it is closed when the test ends.
func silentPeer(t *testing.T, u string) net.Conn {
	t.Helper()
	nc, err := net.Dial("tcp", strings.TrimSuffix(strings.TrimPrefix(u, "ws://"), "/echo"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	_ = nc.(*net.TCPConn).SetReadBuffer(64 << 10)
	req := "GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
	if _, err := nc.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	return nc
}

// flooder: a message on any connection makes its OnMessage, on the loop,
// write 64 KiB messages to target until a write fails.
type flooder struct {
	ws.BaseHandler
	open   chan *ws.Conn
	target atomic.Pointer[ws.Conn]
	result chan error
	sent   atomic.Int64
}

func (h *flooder) OnOpen(c *ws.Conn) { h.open <- c }

func (h *flooder) OnMessage(_ *ws.Conn, _ ws.Opcode, _ []byte) {
	msg := make([]byte, 64<<10)
	for h.sent.Load() < 1<<30 {
		if err := h.target.Load().WriteMessage(context.Background(), ws.OpBinary, msg); err != nil {
			h.result <- err
			return
		}
		h.sent.Add(int64(len(msg)))
	}
	h.result <- nil
}

// TestCallbackNeverWaits: a write made in a callback never waits for a
// peer, whether it goes to the callback's own connection or to another
// one: past twice the watermark it fails with ws.ErrQueueFull, and the loop
// goes on. (A callback writing to another connection once waited as if it
// were off the loop, for ever here, and its loop with it.)
func TestCallbackNeverWaits(t *testing.T) {
	const high = 256 << 10
	for _, own := range []bool{true, false} {
		t.Run(map[bool]string{true: "own", false: "other"}[own], func(t *testing.T) {
			h := &flooder{open: make(chan *ws.Conn, 2), result: make(chan error, 1)}
			u, _ := serve(t, h, &ws.Options{PingInterval: -1}, eventloop.Config{Loops: 1, WriteHighWatermark: high})
			if !own {
				silentPeer(t, u)
				h.target.Store(<-h.open)
			}
			trigger := silentPeer(t, u)
			if c := <-h.open; own {
				h.target.Store(c)
			}
			// A one-byte text message, masked with a zero key.
			if _, err := trigger.Write([]byte("\x81\x81\x00\x00\x00\x00x")); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-h.result:
				if !errors.Is(err, ws.ErrQueueFull) {
					t.Fatalf("the callback's writes ended with %v after %d KiB", err, h.sent.Load()>>10)
				}
				t.Logf("the callback's write failed after %d KiB: %v", h.sent.Load()>>10, err)
			case <-time.After(10 * time.Second):
				t.Fatalf("the callback's write waited (%d KiB written)", h.sent.Load()>>10)
			}
			// With output still pending, at most twice the watermark plus
			// what the kernel buffers took.
			if sent := h.sent.Load(); sent > 16<<20 {
				t.Fatalf("%d bytes accepted from a peer that reads nothing", sent)
			}
			// The loop still serves: a new client's handshake completes.
			dial(t, u, &ws.Options{PingInterval: -1})
		})
	}
}

// closingPusher is a pusher whose OnMessage closes the connection, on the
// loop.
type closingPusher struct{ pusher }

func (h *closingPusher) OnMessage(c *ws.Conn, _ ws.Opcode, _ []byte) { _ = c.Close(4000, "asked") }

// TestControlWhileWriterWaits: a goroutine waits for room on a connection
// whose peer does not read, and then the loop must send a control frame: a
// pong for that peer's ping, or the close frame of a Close called by the
// handler on the loop. The frame is queued at the next frame boundary, and
// the loop goes on serving; the peer finds it once it reads again. (The
// loop once waited for the writer's frame lock, so no other connection got
// served until the writer's deadline or the close timeout.)
func TestControlWhileWriterWaits(t *testing.T) {
	for _, tc := range []struct {
		name    string
		send    string // what the peer sends (masked with a zero key)
		op      ws.Opcode
		payload string // of the control frame the peer must get
	}{
		{"ping", "\x89\x84\x00\x00\x00\x00ping", ws.OpPong, "ping"},
		{"close", "\x81\x81\x00\x00\x00\x00x", ws.OpClose, "\x0f\xa0asked"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Two connections: the peer's, and another client's below.
			h := &closingPusher{pusher{size: 64 << 10, result: make(chan error, 2), deadline: 4 * time.Second}}
			u, srv := serve(t, h, &ws.Options{PingInterval: -1}, eventloop.Config{Loops: 1, WriteHighWatermark: 256 << 10})
			peer := silentPeer(t, u)
			sc := h.conn.Load
			waitUntil(t, "the writer waits", func() bool { return sc() != nil && sc().Pending() > 256<<10 })
			// The kernel may still take output when Pending first passes
			// the mark, and Pending may come back to the same value after
			// the frame went out (on the goroutine fallback it does: every
			// batch is 4 messages): wait for the loop's read instead.
			read := srv.Stats().BytesRead
			if _, err := peer.Write([]byte(tc.send)); err != nil {
				t.Fatal(err)
			}
			waitUntil(t, "the loop reads the frame", func() bool { return srv.Stats().BytesRead >= read+uint64(len(tc.send)) })
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			other, err := ws.Dial(ctx, u, &ws.Options{PingInterval: -1})
			if err != nil {
				t.Fatalf("the loop stopped serving: %v", err)
			}
			_ = other.Close(ws.StatusNormalClosure, "")
			// The peer reads again and finds the frame among the writer's
			// messages.
			_ = peer.SetReadDeadline(time.Now().Add(10 * time.Second))
			frames, p, err := findFrame(peer, tc.op)
			if err != nil || string(p) != tc.payload {
				t.Fatalf("after %d frames: payload %q, %v; want %q", frames, p, err, tc.payload)
			}
			t.Logf("%v after %d data frames", tc.op, frames)
		})
	}
}

// findFrame reads a server's handshake response and then its frames from
// nc until one has opcode op, and returns how many came before it and its
// payload.
func findFrame(nc net.Conn, op ws.Opcode) (int, []byte, error) {
	r := bufio.NewReader(nc)
	tp := textproto.NewReader(r)
	if status, err := tp.ReadLine(); err != nil || !strings.Contains(status, " 101 ") {
		return 0, nil, fmt.Errorf("status %q, %v", status, err)
	}
	if _, err := tp.ReadMIMEHeader(); err != nil {
		return 0, nil, err
	}
	for frames := 0; ; frames++ {
		var h ws.Header
		var n int
		for _, k := range []int{2, 4, 10} { // the header's possible sizes
			b, err := r.Peek(k)
			if err != nil {
				return frames, nil, err
			}
			if h, n, err = ws.ParseHeader(b); err != nil {
				return frames, nil, err
			}
			if n > 0 {
				break
			}
		}
		if _, err := r.Discard(n); err != nil {
			return frames, nil, err
		}
		if h.Op != op {
			if _, err := io.CopyN(io.Discard, r, h.Length); err != nil {
				return frames, nil, err
			}
			continue
		}
		p := make([]byte, h.Length)
		_, err := io.ReadFull(r, p)
		return frames, p, err
	}
}

// counter counts what a client receives.
type counter struct {
	ws.BaseHandler
	n     atomic.Int64
	open  chan *ws.Conn
	ended chan struct{}
}

func (h *counter) OnOpen(c *ws.Conn)                             { h.open <- c }
func (h *counter) OnMessage(_ *ws.Conn, _ ws.Opcode, _ []byte)   { h.n.Add(1) }
func (h *counter) OnClose(*ws.Conn, bool, ws.StatusCode, string) { close(h.ended) }

// TestClientConcurrentWriters: the loop client against the goroutine
// server; many goroutines write at once while the loop reads.
func TestClientConcurrentWriters(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &ws.Server{Handler: newEcho()}
	served := make(chan struct{})
	go func() { _ = srv.Serve(ln); close(served) }()
	defer func() {
		_ = ln.Close()
		<-served
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}()
	cl := &wsloop.Client{}
	defer cl.Close()
	h := &counter{open: make(chan *ws.Conn, 1), ended: make(chan struct{})}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := cl.Dial(ctx, "ws://"+ln.Addr().String()+"/", h)
	if err != nil {
		t.Fatal(err)
	}
	if <-h.open != c {
		t.Fatal("OnOpen got another Conn")
	}
	const writers, each = 8, 200
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				msg := fmt.Appendf(nil, "w%d-%d-%s", w, i, strings.Repeat("x", i*37))
				err := c.WaitWritable(ctx) // writes never wait on the loop
				if err == nil {
					err = c.WriteMessage(ctx, ws.OpText, msg)
				}
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	for h.n.Load() < writers*each && ctx.Err() == nil {
		time.Sleep(5 * time.Millisecond)
	}
	if got := h.n.Load(); got != writers*each {
		t.Fatalf("got %d echoes, want %d", got, writers*each)
	}
	if err := c.Close(ws.StatusNormalClosure, ""); err != nil {
		t.Fatal(err)
	}
	select {
	case <-h.ended:
	case <-ctx.Done():
		t.Fatal("OnClose not called")
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
