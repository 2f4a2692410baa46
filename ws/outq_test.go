package ws

import (
	"bytes"
	"context"
	"errors"
	"net"
	"slices"
	"sync/atomic"
	"testing"
	"time"
)

// fakeOutput is a push driver that sends nothing: the test takes the
// output itself and counts the notifications.
type fakeOutput struct {
	net.Conn // nil: only the methods below are called
	ready    atomic.Int64
	closed   atomic.Bool
}

func (f *fakeOutput) OutputReady()         { f.ready.Add(1) }
func (f *fakeOutput) Close() error         { f.closed.Store(true); return nil }
func (f *fakeOutput) RemoteAddr() net.Addr { return &net.TCPAddr{} }
func (f *fakeOutput) LocalAddr() net.Addr  { return &net.TCPAddr{} }

func newPushServer(t *testing.T, b OutputBounds) (*Conn, *fakeOutput) {
	t.Helper()
	f := &fakeOutput{}
	c := NewPushConn(f, RoleServer, Negotiated{}, &Options{PingInterval: -1}, b).Conn()
	t.Cleanup(func() { _ = c.CloseNow() })
	return c, f
}

// messages parses the server frames in b as a client and returns the
// messages' payloads ("T:" or "B:" prefixed) and the control frames'
// ("ping:", "pong:", "close:").
func messages(t *testing.T, b []byte) []string {
	t.Helper()
	var p Parser
	p.Reset(ParserConfig{Role: RoleClient})
	var out []string
	var cur []byte
	for len(b) > 0 {
		n, ev, err := p.Parse(b)
		if err != nil {
			t.Fatalf("parse: %v", err)
		}
		b = b[n:]
		switch ev.Kind {
		case EventData:
			cur = append(cur, ev.Payload...)
			if ev.Final {
				out = append(out, map[Opcode]string{OpText: "T:", OpBinary: "B:"}[ev.Op]+string(cur))
				cur = nil
			}
		case EventPing:
			out = append(out, "ping:"+string(ev.Payload))
		case EventPong:
			out = append(out, "pong:"+string(ev.Payload))
		case EventClose:
			out = append(out, "close:"+string(ev.Reason))
		case EventNone:
			if n == 0 {
				t.Fatalf("%d bytes left unparsed", len(b))
			}
		}
	}
	return out
}

func take(c *Conn) []byte {
	b := c.takeOutput()
	if b == nil {
		return nil
	}
	defer PutOutput(b)
	return append([]byte(nil), *b...)
}

// TestPushQueue: writes queue whole frames in order and tell the driver
// once per batch it has not taken yet.
func TestPushQueue(t *testing.T) {
	c, f := newPushServer(t, OutputBounds{})
	ctx := context.Background()
	if err := c.WriteMessage(ctx, OpText, []byte("one")); err != nil {
		t.Fatal(err)
	}
	if err := c.Ping(ctx, []byte("p")); err != nil {
		t.Fatal(err)
	}
	if err := c.WriteMessages(ctx, OpBinary, [][]byte{[]byte("two"), []byte("three")}); err != nil {
		t.Fatal(err)
	}
	if err := c.WritePrepared(ctx, NewPreparedMessage(OpText, []byte("four"))); err != nil {
		t.Fatal(err)
	}
	if n := f.ready.Load(); n != 1 {
		t.Fatalf("OutputReady called %d times before the driver took the output, want 1", n)
	}
	got := messages(t, take(c))
	want := []string{"T:one", "ping:p", "B:two", "B:three", "T:four"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	if take(c) != nil {
		t.Fatal("output taken twice")
	}
	_ = c.WriteMessage(ctx, OpText, []byte("five"))
	if n := f.ready.Load(); n != 2 {
		t.Fatalf("OutputReady called %d times, want 2", n)
	}
}

// TestPushBounds: a write fails with ErrQueueFull, and queues nothing,
// once more than twice the high watermark would be pending, unless no more
// than the high watermark is (one large message of any size goes to a
// reading peer); the driver's own queue counts.
func TestPushBounds(t *testing.T) {
	const high = 64 << 10
	c, _ := newPushServer(t, OutputBounds{High: high})
	ctx := context.Background()
	big := make([]byte, 10*high)
	if err := c.WriteMessage(ctx, OpBinary, big); err != nil {
		t.Fatalf("a large message to an empty queue: %v", err)
	}
	if err := c.WriteMessage(ctx, OpBinary, []byte("x")); !errors.Is(err, ErrQueueFull) {
		t.Fatalf("write past the bound: %v", err)
	}
	b := take(c)
	c.outputSent(high) // the driver holds high bytes
	if err := c.WriteMessage(ctx, OpBinary, big); err != nil {
		t.Fatalf("a large message after the high watermark: %v", err)
	}
	_ = take(c)
	c.outputSent(high + 1)
	if err := c.WriteMessage(ctx, OpBinary, make([]byte, high)); !errors.Is(err, ErrQueueFull) {
		t.Fatalf("write past twice the watermark: %v", err)
	}
	if err := c.WriteMessage(ctx, OpBinary, make([]byte, high/2)); err != nil {
		t.Fatalf("write within twice the watermark: %v", err)
	}
	if got := c.Pending(); got != high+1+high/2+4 {
		t.Fatalf("Pending = %d", got)
	}
	// Control frames are not refused; the close frame is the last.
	if err := c.Close(StatusNormalClosure, "bye"); err != nil {
		t.Fatal(err)
	}
	if err := c.WriteMessage(ctx, OpText, []byte("late")); !errors.Is(err, ErrClosed) {
		t.Fatalf("write after Close: %v", err)
	}
	got := messages(t, take(c))
	if len(got) != 2 || got[1] != "close:bye" {
		t.Fatalf("got %d messages ending %q", len(got), got[len(got)-1])
	}
	if len(messages(t, b)) != 1 {
		t.Fatal("first batch")
	}
}

// TestWaitWritable: a goroutine waits while more than the high watermark
// is pending and is woken once, when the driver reports the low watermark:
// one OutputReady per wait (the driver's cue to notify), none while the
// queue stays above the low watermark.
func TestWaitWritable(t *testing.T) {
	const high, low = 64 << 10, 16 << 10
	c, f := newPushServer(t, OutputBounds{High: high, Low: low})
	ctx := context.Background()
	if err := c.WaitWritable(ctx); err != nil {
		t.Fatalf("empty queue: %v", err)
	}
	_ = c.WriteMessage(ctx, OpBinary, make([]byte, 2*high))
	_ = take(c)
	if c.outputSent(2 * high) {
		t.Fatal("notify asked with nobody waiting")
	}
	readyBefore := f.ready.Load()
	done := make(chan error, 1)
	go func() { done <- c.WaitWritable(ctx) }()
	waitFor(t, "the waiter's OutputReady", func() bool { return f.ready.Load() == readyBefore+1 })
	for _, held := range []int{high, low + 1} {
		if !c.outputSent(held) {
			t.Fatalf("OutputSent(%d): notify not asked while a goroutine waits", held)
		}
		select {
		case err := <-done:
			t.Fatalf("woken at %d pending (low %d): %v", held, low, err)
		default:
		}
	}
	if c.outputSent(low) {
		t.Fatal("notify asked after the waiter was woken")
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := f.ready.Load(); n != readyBefore+1 {
		t.Fatalf("OutputReady called %d times during one wait", n-readyBefore)
	}
	// A waiter ends with the connection, and with its context.
	c.outputSent(2 * high)
	cctx, cancel := context.WithCancel(ctx)
	go func() { done <- c.WaitWritable(cctx) }()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled wait: %v", err)
	}
	go func() { done <- c.WaitWritable(ctx) }()
	waitFor(t, "the second waiter", func() bool { return f.ready.Load() >= readyBefore+2 })
	_ = c.CloseNow()
	if err := <-done; !errors.Is(err, ErrClosed) {
		t.Fatalf("wait on a closed connection: %v", err)
	}
}

// TestStreamHoldsTail: a NextWriter stream sends its frames as they fill;
// messages written meanwhile (from any goroutine, the loop included) queue
// and return at once, and go after the stream's last frame, in order;
// control frames go at the next frame boundary. A second stream gathers
// its message and queues it whole.
func TestStreamHoldsTail(t *testing.T) {
	c, _ := newPushServer(t, OutputBounds{})
	ctx := context.Background()
	w, err := c.NextWriter(ctx, OpText)
	if err != nil {
		t.Fatal(err)
	}
	part := bytes.Repeat([]byte("a"), 40<<10) // more than one frame's buffer
	if _, err := w.Write(part); err != nil {
		t.Fatal(err)
	}
	if err := c.WriteMessage(ctx, OpText, []byte("after")); err != nil {
		t.Fatal(err)
	}
	w2, err := c.NextWriter(ctx, OpBinary)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = w2.Write([]byte("second "))
	if err := c.Ping(ctx, []byte("p")); err != nil {
		t.Fatal(err)
	}
	_, _ = w2.Write([]byte("stream"))
	if err := w2.Close(); err != nil {
		t.Fatal(err)
	}
	first := take(c) // the stream's first frame and the ping so far
	if _, err := w.Write([]byte("b")); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got := messages(t, append(first, take(c)...))
	want := []string{"ping:p", "T:" + string(part) + "b", "T:after", "B:second stream"}
	if !slices.Equal(got, want) {
		for i := range got {
			got[i] = got[i][:min(len(got[i]), 12)]
		}
		t.Fatalf("got %q", got)
	}
}

// TestPushNeverWaits: no write of a push-mode Conn waits, even when its
// driver never takes the output: past the bound they fail.
func TestPushNeverWaits(t *testing.T) {
	c, _ := newPushServer(t, OutputBounds{High: 1024})
	ctx := context.Background()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 100 {
			_ = c.WriteMessage(ctx, OpBinary, make([]byte, 4096))
			_ = c.Ping(ctx, nil)
			if w, err := c.NextWriter(ctx, OpBinary); err == nil {
				_, _ = w.Write(make([]byte, 100))
				_ = w.Close()
			}
		}
		_ = c.Close(StatusNormalClosure, "")
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("a push-mode write waited for a driver that never takes the output")
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// TestPushAfterClose: once the close frame is queued, every write of a
// push-mode Conn fails with ErrClosed, NextWriter included (it used to
// return a writer and no error).
func TestPushAfterClose(t *testing.T) {
	c, _ := newPushServer(t, OutputBounds{})
	ctx := context.Background()
	if err := c.Close(StatusNormalClosure, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := c.NextWriter(ctx, OpText); !errors.Is(err, ErrClosed) {
		t.Errorf("NextWriter: %v", err)
	}
	if err := c.WriteMessage(ctx, OpText, []byte("x")); !errors.Is(err, ErrClosed) {
		t.Errorf("WriteMessage: %v", err)
	}
	if err := c.WriteMessages(ctx, OpText, [][]byte{[]byte("x")}); !errors.Is(err, ErrClosed) {
		t.Errorf("WriteMessages: %v", err)
	}
	if err := c.WritePrepared(ctx, NewPreparedMessage(OpText, []byte("x"))); !errors.Is(err, ErrClosed) {
		t.Errorf("WritePrepared: %v", err)
	}
	if err := c.Ping(ctx, nil); !errors.Is(err, ErrClosed) {
		t.Errorf("Ping: %v", err)
	}
	if err := c.WaitWritable(ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("WaitWritable: %v", err)
	}
}

// TestCloseTimerStops: a push-mode connection that ended after Close
// leaves no timer behind (it used to keep the Conn for CloseTimeout).
func TestCloseTimerStops(t *testing.T) {
	c, _ := newPushServer(t, OutputBounds{})
	if err := c.Close(StatusNormalClosure, ""); err != nil {
		t.Fatal(err)
	}
	c.out.mu.Lock()
	armed := c.outRare() != nil && c.outRare().closeT != nil
	c.out.mu.Unlock()
	if !armed {
		t.Fatal("no close timer after Close")
	}
	_ = c.CloseNow()
	c.out.mu.Lock()
	defer c.out.mu.Unlock()
	if c.outRare().closeT != nil {
		t.Fatal("the close timer outlives the connection")
	}
}
