package wsloop_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/ext/deflate"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// loopWriter answers a message on the loop with every kind of write, to
// its own connection, and reports what each returned.
type loopWriter struct {
	ws.BaseHandler
	open     chan *ws.Conn
	answered chan []error
}

func (h *loopWriter) OnOpen(c *ws.Conn) { h.open <- c }

func (h *loopWriter) OnMessage(c *ws.Conn, _ ws.Opcode, _ []byte) {
	ctx := context.Background()
	msg := make([]byte, 64<<10)
	var errs []error
	errs = append(errs, c.WriteMessage(ctx, ws.OpBinary, msg))
	errs = append(errs, c.Ping(ctx, []byte("p")))
	errs = append(errs, c.WritePrepared(ctx, ws.NewPreparedMessage(ws.OpBinary, msg)))
	errs = append(errs, c.WriteMessages(ctx, ws.OpBinary, [][]byte{msg, msg}))
	w, err := c.NextWriter(ctx, ws.OpBinary)
	if err == nil {
		_, err = w.Write(msg)
		err = errors.Join(err, w.Close())
	}
	errs = append(errs, err)
	h.answered <- errs
}

// TestLoopNeverWaits: a goroutine waits for room on a connection whose
// peer reads nothing; that peer sends a message, and OnMessage, on the
// loop, answers with every kind of write. Each one queues or fails with
// ws.ErrQueueFull at once, and the loop goes on serving: another client's
// handshake completes. Before the output queue, the callback's write
// waited for the goroutine's (until its deadline, or for ever), and the
// loop, with every connection on it, stopped.
func TestLoopNeverWaits(t *testing.T) {
	const high = 256 << 10
	h := &loopWriter{open: make(chan *ws.Conn, 4), answered: make(chan []error, 1)}
	// SlowReaderDrop: the loop keeps reading the peer whatever it holds
	// for it. With the default, SlowReaderPause, it stops reading once
	// what the kernel refused passes the high watermark, which the
	// writer's last message may do or not (as the kernel's buffers took
	// more or less of it): then the message below waits for the peer to
	// read, and OnMessage never runs (CI saw it on a loaded machine).
	u, _ := serve(t, h, &ws.Options{PingInterval: -1},
		eventloop.Config{Loops: 1, WriteHighWatermark: high, SlowReader: eventloop.SlowReaderDrop})
	peer := silentPeer(t, u)
	sc := <-h.open
	ctx, cancel := context.WithCancel(context.Background())
	probe := &writerProbe{high: high}
	writer := waitingWriter(ctx, sc, probe)
	streamFailed := false
	defer func() {
		cancel()
		// A stream that had sent part of its message when the queue
		// filled abandons it and closes the connection (1011): then the
		// writer may end with ErrClosed.
		if err := <-writer; !errors.Is(err, context.Canceled) && !(streamFailed && errors.Is(err, ws.ErrClosed)) {
			t.Errorf("the goroutine's writer ended with %v", err)
		}
	}()
	waitUntil(t, "the writer waits", probe.waited.Load)
	if _, err := peer.Write([]byte("\x82\x81\x00\x00\x00\x00x")); err != nil {
		t.Fatal(err)
	}
	select {
	case errs := <-h.answered:
		streamFailed = errs[len(errs)-1] != nil
		for i, err := range errs {
			if err != nil && !errors.Is(err, ws.ErrQueueFull) {
				t.Errorf("write %d from the loop: %v", i, err)
			}
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the loop waited in OnMessage")
	}
	hctx, hcancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer hcancel()
	other, err := ws.Dial(hctx, u, &ws.Options{PingInterval: -1})
	if err != nil {
		t.Fatalf("the loop stopped serving: %v", err)
	}
	<-h.open
	_ = other.CloseNow()
}

// holder keeps the server side of each connection for the test.
type holder struct {
	ws.BaseHandler
	open chan *ws.Conn
}

func (h *holder) OnOpen(c *ws.Conn) { h.open <- c }

func (h *holder) OnMessage(c *ws.Conn, op ws.Opcode, p []byte) {
	_ = c.WriteMessage(context.Background(), op, append([]byte("echo "), p...))
}

// TestStreamOnGoroutine: a NextWriter stream written by a goroutine holds
// the connection's tail while user code runs, but not the loop: the
// handler's answer on the loop queues behind it and returns, other
// connections are served, and the client gets the stream's message whole,
// then the answer.
func TestStreamOnGoroutine(t *testing.T) {
	h := &holder{open: make(chan *ws.Conn, 4)}
	u, _ := serve(t, h, &ws.Options{PingInterval: -1}, eventloop.Config{Loops: 1})
	c := dial(t, u, &ws.Options{PingInterval: -1})
	sc := <-h.open
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	w, err := sc.NextWriter(ctx, ws.OpText)
	if err != nil {
		t.Fatal(err)
	}
	part := bytes.Repeat([]byte("s"), 100<<10)
	if _, err := w.Write(part); err != nil {
		t.Fatal(err)
	}
	// The stream stays open; the loop answers a message meanwhile.
	if err := c.WriteMessage(ctx, ws.OpText, []byte("hi")); err != nil {
		t.Fatal(err)
	}
	other := dial(t, u, &ws.Options{PingInterval: -1})
	<-h.open
	if err := other.WriteMessage(ctx, ws.OpText, []byte("other")); err != nil {
		t.Fatal(err)
	}
	if _, p, err := other.ReadMessage(ctx); err != nil || string(p) != "echo other" {
		t.Fatalf("other connection: %q, %v", p, err)
	}
	waitUntil(t, "the answer queued behind the stream", func() bool { return sc.Pending() > 0 })
	if _, err := w.Write([]byte("end")); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, p, err := c.ReadMessage(ctx); err != nil || !bytes.Equal(p, append(part, "end"...)) {
		t.Fatalf("stream: %d bytes, %v", len(p), err)
	}
	if _, p, err := c.ReadMessage(ctx); err != nil || string(p) != "echo hi" {
		t.Fatalf("after the stream: %q, %v", p, err)
	}
}

// TestBackPressureWakeups: a goroutine waiting for room costs the loop
// nothing while the peer reads nothing: it is woken once, at the low
// watermark, not by polling. (The writer and the loop used to ping-pong
// through Wake: 55k-168k wake-ups a second.)
func TestBackPressureWakeups(t *testing.T) {
	const high = 256 << 10
	h := &holder{open: make(chan *ws.Conn, 2)}
	u, srv := serve(t, h, &ws.Options{PingInterval: -1}, eventloop.Config{Loops: 1, WriteHighWatermark: high})
	peer := silentPeer(t, u)
	sc := <-h.open
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	probe := &writerProbe{high: high}
	writes := &probe.writes
	writer := waitingWriter(ctx, sc, probe)
	waitUntil(t, "the writer waits", probe.waited.Load)
	// While the kernel's buffers still take data, the writer goes on a
	// little; each message may cost the loop a wake-up or three (queued
	// output, the wait, the notification), and a stalled writer none.
	w0, m0 := srv.Stats().Wakeups, writes.Load()
	for deadline := time.Now().Add(300 * time.Millisecond); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if n, m := srv.Stats().Wakeups-w0, writes.Load()-m0; n > 3+3*uint64(m) {
			t.Fatalf("%d wake-ups for %d messages while the writer waits for a peer that reads nothing", n, m)
		}
	}
	t.Logf("in 300 ms: %d wake-ups, %d messages", srv.Stats().Wakeups-w0, writes.Load()-m0)
	// The peer reads again: the writer goes on, and the messages arrive.
	writes0 := writes.Load()
	go func() { _, _ = io.Copy(io.Discard, peer) }()
	waitUntil(t, "the writer goes on", func() bool { return writes.Load() > writes0+10 })
	cancel()
	if err := <-writer; !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("writer: %v", err)
	}
}

// bigEcho echoes with default options and reports every error.
type bigEcho struct {
	ws.BaseHandler
	errs chan error
}

func (h *bigEcho) OnMessage(c *ws.Conn, op ws.Opcode, p []byte) {
	if err := c.WriteMessage(context.Background(), op, p); err != nil {
		h.errs <- err
	}
}

var bigSizes = []int{0, 1, 125, 126, 65535, 65536, 1 << 20, 2<<20 + 1, 5 << 20, 16 << 20}

// TestLargeMessages: with default options the loop echoes every message
// size the limits admit (up to 16 MiB), text and binary, fragmented or not,
// as server. (A write inside a callback used to be refused past twice the
// write watermark: every message over 2 MiB dropped the connection, 1006.)
func TestLargeMessages(t *testing.T) {
	h := &bigEcho{errs: make(chan error, 64)}
	u, _ := serve(t, h, nil, eventloop.Config{})
	for _, frag := range []int{0, 1 << 20} {
		c := dial(t, u, &ws.Options{AutoFragmentSize: frag})
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		for _, n := range bigSizes {
			for _, op := range []ws.Opcode{ws.OpText, ws.OpBinary} {
				msg := bytes.Repeat([]byte{'a' + byte(n%26)}, n)
				if err := c.WriteMessage(ctx, op, msg); err != nil {
					t.Fatalf("frag %d, %d bytes: write: %v", frag, n, err)
				}
				gop, p, err := c.ReadMessage(ctx)
				if err != nil || gop != op || !bytes.Equal(p, msg) {
					t.Fatalf("frag %d, %d bytes %v: got %d bytes %v, %v", frag, len(msg), op, len(p), gop, err)
				}
			}
		}
		cancel()
	}
	select {
	case err := <-h.errs:
		t.Fatalf("the loop's echo failed: %v", err)
	default:
	}
}

// collector is a loop client's handler that hands every message over.
type collector struct {
	ws.BaseHandler
	msgs chan []byte
}

func (h *collector) OnMessage(_ *ws.Conn, _ ws.Opcode, p []byte) { h.msgs <- append([]byte(nil), p...) }

// serveStd serves srv (the goroutine driver) on a loopback port until the
// test ends, and returns its ws:// URL.
func serveStd(t *testing.T, srv *ws.Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan struct{})
	go func() { _ = srv.Serve(ln); close(served) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		_ = ln.Close()
		<-served
	})
	return "ws://" + ln.Addr().String() + "/"
}

// TestLargeMessagesClient: the same sizes through the loop as client,
// against the goroutine server's echo.
func TestLargeMessagesClient(t *testing.T) {
	u := serveStd(t, &ws.Server{Handler: newEcho()})
	cl := &wsloop.Client{}
	defer cl.Close()
	h := &collector{msgs: make(chan []byte, 1)}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c, err := cl.Dial(ctx, u, h)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.CloseNow() }()
	for _, n := range bigSizes {
		msg := bytes.Repeat([]byte{'a' + byte(n%26)}, n)
		// No WaitWritable: the echo of the last message came back, so
		// the loop's queue is known to have drained.
		if err := c.WriteMessage(ctx, ws.OpBinary, msg); err != nil {
			t.Fatalf("%d bytes: write: %v", n, err)
		}
		select {
		case p := <-h.msgs:
			if !bytes.Equal(p, msg) {
				t.Fatalf("%d bytes: got %d", n, len(p))
			}
		case <-ctx.Done():
			t.Fatalf("%d bytes: no echo", n)
		}
	}
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
	}
}

// broadcastEcho echoes on the loop and keeps every connection for a
// broadcaster.
type broadcastEcho struct {
	ws.BaseHandler
	mu    sync.Mutex
	conns map[*ws.Conn]bool
	full  atomic.Int64 // writes refused with ErrQueueFull
}

func (h *broadcastEcho) OnOpen(c *ws.Conn) { h.mu.Lock(); h.conns[c] = true; h.mu.Unlock() }
func (h *broadcastEcho) OnClose(c *ws.Conn, _ bool, _ ws.StatusCode, _ string) {
	h.mu.Lock()
	delete(h.conns, c)
	h.mu.Unlock()
}

func (h *broadcastEcho) OnMessage(c *ws.Conn, _ ws.Opcode, p []byte) {
	h.write(c, p)
}

func (h *broadcastEcho) write(c *ws.Conn, p []byte) {
	if err := c.WriteMessage(context.Background(), ws.OpText, p); errors.Is(err, ws.ErrQueueFull) {
		h.full.Add(1)
	}
}

// TestBroadcastWithSilentPeer: a broadcaster goroutine writes to every
// connection while the loop echoes, and one peer reads nothing. Nothing
// stalls: every reader's round trip stays bounded, the silent peer's
// writes fail (ErrQueueFull) instead of holding anyone, on 1 and on 4
// loops.
func TestBroadcastWithSilentPeer(t *testing.T) {
	if testing.Short() {
		t.Skip("a few seconds of load")
	}
	for _, loops := range []int{1, 4} {
		t.Run(fmt.Sprintf("loops=%d", loops), func(t *testing.T) {
			h := &broadcastEcho{conns: map[*ws.Conn]bool{}}
			u, _ := serve(t, h, &ws.Options{PingInterval: -1}, eventloop.Config{Loops: loops, WriteHighWatermark: 128 << 10})
			silentPeer(t, u)
			const readers = 6
			clients := make([]*ws.Conn, readers)
			for i := range clients {
				clients[i] = dial(t, u, &ws.Options{PingInterval: -1})
			}
			waitUntil(t, "every connection open", func() bool { h.mu.Lock(); defer h.mu.Unlock(); return len(h.conns) == readers+1 })
			stop := make(chan struct{})
			broadcasted := make(chan struct{})
			go func() {
				defer close(broadcasted)
				msg := bytes.Repeat([]byte("b"), 4<<10)
				tick := time.NewTicker(time.Millisecond)
				defer tick.Stop()
				for {
					select {
					case <-stop:
						return
					case <-tick.C:
					}
					h.mu.Lock()
					for c := range h.conns {
						h.write(c, msg)
					}
					h.mu.Unlock()
				}
			}()
			const run = 4 * time.Second
			worst := make(chan time.Duration, readers)
			for i, c := range clients {
				go func() {
					var max time.Duration
					ctx, cancel := context.WithTimeout(context.Background(), run+10*time.Second)
					defer cancel()
					for k, end := 0, time.Now().Add(run); time.Now().Before(end); k++ {
						probe := fmt.Sprintf("probe %d %d", i, k)
						start := time.Now()
						if err := c.WriteMessage(ctx, ws.OpText, []byte(probe)); err != nil {
							t.Errorf("reader %d: %v", i, err)
							break
						}
						for {
							_, p, err := c.ReadMessage(ctx)
							if err != nil {
								t.Errorf("reader %d: %v", i, err)
								worst <- time.Hour
								return
							}
							if string(p) == probe {
								break
							}
						}
						max = maxDur(max, time.Since(start))
					}
					worst <- max
				}()
			}
			var max time.Duration
			for range readers {
				max = maxDur(max, <-worst)
			}
			// The kernel's buffers take megabytes for the silent peer
			// first; on a busy machine the broadcaster may not have
			// filled them yet.
			waitUntil(t, "a write to the silent peer refused", func() bool { return h.full.Load() > 0 })
			close(stop)
			<-broadcasted
			t.Logf("worst round trip %v; %d writes to the silent peer refused", max, h.full.Load())
			// A loop held by the silent peer never answers again: its
			// readers' contexts end them with an error (time.Hour). The
			// bound on a round trip that did complete is generous, so that
			// a machine loaded many times over (5.6 s seen at a load
			// average of 12 on 2 cores) does not pass for a stall.
			if max > 10*time.Second {
				t.Fatalf("a reader's round trip took %v: the loop stalled", max)
			}
			if h.full.Load() == 0 {
				t.Fatal("no write to the silent peer was refused")
			}
		})
	}
}

func maxDur(a, b time.Duration) time.Duration {
	if a > b {
		return a
	}
	return b
}

// writerProbe is what waitingWriter reports: the messages it wrote, and
// whether it found more than high pending before a WaitWritable, which
// then waits (until the pending bytes fall to the low watermark).
type writerProbe struct {
	high   int
	writes atomic.Int64
	waited atomic.Bool
}

// waitingWriter writes 64 KiB messages to c on a goroutine, waiting for
// room before each (reported in p), until an error, which it sends.
//
// Whether it waits is told by the writer itself, not by polling Pending:
// the kernel may take more of the queue after the writer began to wait
// (its send buffer grows), leaving the pending bytes between the low and
// the high watermark for good, while the writer still waits for the low
// one; a poll for "more than high pending" then misses the moment (CI saw
// it under load).
func waitingWriter(ctx context.Context, c *ws.Conn, p *writerProbe) <-chan error {
	done := make(chan error, 1)
	go func() {
		msg := make([]byte, 64<<10)
		for {
			if c.Pending() > p.high {
				p.waited.Store(true)
			}
			err := c.WaitWritable(ctx)
			if err == nil {
				err = c.WriteMessage(ctx, ws.OpBinary, msg)
			}
			if err != nil {
				done <- err
				return
			}
			p.writes.Add(1)
		}
	}()
	return done
}

// TestConcurrentCompressedWriters: goroutines write prepared messages,
// plain messages and streams at once to one compressed connection on the
// loop. Every encoding uses the connection's codec one at a time (a
// prepared message's shared frame is encoded under the queue's lock too,
// and waits behind a stream), and the client decodes every message.
func TestConcurrentCompressedWriters(t *testing.T) {
	opts := &ws.Options{PingInterval: -1, Extensions: []ws.Extension{deflate.New(deflate.Options{Threshold: -1})}}
	h := &holder{open: make(chan *ws.Conn, 1)}
	u, _ := serve(t, h, opts, eventloop.Config{})
	c := dial(t, u, opts)
	sc := <-h.open
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	const each = 100
	prepared := bytes.Repeat([]byte("prepared "), 50)
	plain := bytes.Repeat([]byte("plain "), 50)
	streamed := bytes.Repeat([]byte("stream "), 50)
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				err := sc.WaitWritable(ctx)
				if err == nil {
					switch w {
					case 0:
						// A new one each time: each is encoded once.
						err = sc.WritePrepared(ctx, ws.NewPreparedMessage(ws.OpText, prepared))
					case 1:
						err = sc.WriteMessage(ctx, ws.OpText, plain)
					default:
						var wr io.WriteCloser
						if wr, err = sc.NextWriter(ctx, ws.OpText); err == nil {
							_, _ = wr.Write(streamed[:100])
							_, _ = wr.Write(streamed[100:])
							err = wr.Close()
						}
					}
				}
				if err != nil {
					t.Errorf("writer %d: %v", w, err)
					return
				}
			}
		}()
	}
	counts := map[string]int{}
	for range 3 * each {
		_, p, err := c.ReadMessage(ctx)
		if err != nil {
			t.Fatalf("after %v: %v", counts, err)
		}
		switch {
		case bytes.Equal(p, prepared):
			counts["prepared"]++
		case bytes.Equal(p, plain):
			counts["plain"]++
		case bytes.Equal(p, streamed):
			counts["stream"]++
		default:
			t.Fatalf("a message of %d bytes matches none", len(p))
		}
	}
	wg.Wait()
	if counts["prepared"] != each || counts["plain"] != each || counts["stream"] != each {
		t.Fatalf("got %v", counts)
	}
}

// TestClientRefusalKept: a loop client whose handshake a server refuses
// gets the status and the response's headers in the *ws.HandshakeError.
func TestClientRefusalKept(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
		buf := make([]byte, 4096)
		_, _ = nc.Read(buf)
		_, _ = nc.Write([]byte("HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer realm=\"ws\"\r\nContent-Length: 0\r\n\r\n"))
		_, _ = nc.Read(buf) // until the client closes
	}()
	cl := &wsloop.Client{}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = cl.Dial(ctx, "ws://"+ln.Addr().String()+"/", &holder{open: make(chan *ws.Conn, 1)})
	var he *ws.HandshakeError
	if !errors.As(err, &he) || he.Status != 401 {
		t.Fatalf("Dial: %v", err)
	}
	if got := he.Header["Www-Authenticate"]; len(got) != 1 || got[0] != `Bearer realm="ws"` {
		t.Fatalf("headers %q", he.Header)
	}
}
