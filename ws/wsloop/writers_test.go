package wsloop_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// pusher writes from another goroutine as fast as it may.
type pusher struct {
	ws.BaseHandler
	size     int
	deadline time.Duration // default 500 ms
	result   chan error
	sent     atomic.Int64
	waits    atomic.Int64 // WaitWritable calls
	conn     atomic.Pointer[ws.Conn]
	// high, if set: waited tells that the writer found more than high
	// pending before a WaitWritable, which then waits (see writerProbe).
	high   int
	waited atomic.Bool
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
			if h.high > 0 && c.Pending() > h.high {
				h.waited.Store(true)
			}
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
			// The writer waits up to 20 s: longer than the steps below take
			// on a loaded machine, so that it still waits when the frame
			// comes (a loop that waited for it would fail the dial below).
			h := &closingPusher{pusher{size: 64 << 10, result: make(chan error, 2), deadline: 20 * time.Second, high: 256 << 10}}
			// SlowReaderDrop: the loop keeps reading the peer whatever it
			// holds for it. With the default, SlowReaderPause, it stops
			// reading once what the kernel refused passes the high
			// watermark (the writer's last batch may take it there or
			// not), and the frame below would wait for the peer to read:
			// the case under test needs the loop to take it while the
			// writer waits.
			u, srv := serve(t, h, &ws.Options{PingInterval: -1},
				eventloop.Config{Loops: 1, WriteHighWatermark: 256 << 10, SlowReader: eventloop.SlowReaderDrop})
			peer := silentPeer(t, u)
			waitUntil(t, "the writer waits", h.waited.Load)
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
	u := serveStd(t, &ws.Server{Handler: newEcho()})
	cl := &wsloop.Client{}
	defer cl.Close()
	h := &counter{open: make(chan *ws.Conn, 1), ended: make(chan struct{})}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := cl.Dial(ctx, u, h)
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
