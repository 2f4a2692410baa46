//go:build linux && eventloop_goroutines

package eventloop

import (
	"context"
	"io"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"
)

// The goroutine fallback closes a connection between its callbacks, as a
// loop does, whatever starts the close: a callback running then sees the
// connection open until it returns (its Send is not refused half-way by a
// close it cannot see), and OnClose follows. The sixteenth review fixed
// the peer's EOF (review16c_peerclose_test.go); these are the deadline's
// timer, the writer's failed write and ErrInputTooLarge.

// held is the server side of these tests: the OnData of the peer's "x"
// runs first, hands its connection to the test (conn) and waits for
// release, then runs then, whose error goes to sent; other input is
// echoed; OnClose's error goes to closed.
type held struct {
	conn    chan *Conn
	release chan struct{}
	sent    chan error
	closed  chan error
}

// newHeld returns a held and its Handler; open (nil: none) runs in OnOpen,
// first (nil: none) in the held OnData before it hands over.
func newHeld(open, first func(*Conn), then func(*Conn) error) (*held, *funcs) {
	h := &held{conn: make(chan *Conn, 1), release: make(chan struct{}), sent: make(chan error, 1), closed: make(chan error, 1)}
	return h, &funcs{
		open: open,
		data: func(c *Conn, in []byte) int {
			if string(in) != "x" {
				c.Write(in) // echo
				return len(in)
			}
			if first != nil {
				first(c)
			}
			h.conn <- c
			<-h.release
			h.sent <- then(c)
			return len(in)
		},
		close: func(_ *Conn, err error) { h.closed <- err },
	}
}

// hold dials addr, sends "x" and returns the peer and the connection
// once its OnData holds.
func (h *held) hold(t *testing.T, addr string) (*net.TCPConn, *Conn) {
	t.Helper()
	peer := dialStd(t, addr)
	if _, err := peer.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	return peer, <-h.conn
}

// sendReply is then for the tests whose held OnData sends a reply.
func sendReply(c *Conn) error { return c.Send([]byte("reply")) }

// TestReview17DeadlineBetweenCallbacks: a deadline that passes while
// OnData runs closes the connection after OnData returns.
func TestReview17DeadlineBetweenCallbacks(t *testing.T) {
	h, fns := newHeld(nil, func(c *Conn) {
		if err := c.SetDeadline(time.Now()); err != nil {
			t.Error(err)
		}
	}, sendReply)
	_, addr := serve(t, Config{Loops: 1}, fns)
	_, c := h.hold(t, addr)
	// The timer fired: it closed the connection under the callback, or
	// it waits for the callback to end.
	waitFor(t, "the deadline's timer", func() bool {
		return c.state.Load() != stateOpen || waitsForCallback("(*Conn).setTimer.")
	})
	close(h.release)
	if err := <-h.sent; err != nil {
		t.Fatalf("Send in the OnData that ran when the deadline passed: %v", err)
	}
	if err := <-h.closed; err != ErrTimeout {
		t.Fatalf("OnClose with %v, want ErrTimeout", err)
	}
}

// TestReview17SetDeadlineInCallbackWins: a deadline that passed while a
// callback ran, and that the callback moved on before returning, does not
// close the connection: as on a loop, which looks at the deadline after
// the callback.
func TestReview17SetDeadlineInCallbackWins(t *testing.T) {
	h, fns := newHeld(nil, func(c *Conn) {
		if err := c.SetDeadline(time.Now()); err != nil {
			t.Error(err)
		}
	}, func(c *Conn) error { return c.SetDeadline(time.Time{}) })
	_, addr := serve(t, Config{Loops: 1}, fns)
	peer, c := h.hold(t, addr)
	waitFor(t, "the deadline's timer", func() bool {
		return c.state.Load() != stateOpen || waitsForCallback("(*Conn).setTimer.")
	})
	close(h.release)
	if err := <-h.sent; err != nil {
		t.Errorf("SetDeadline in the callback the deadline passed in: %v", err)
	}
	// The timer's goroutine is done with the connection once it no longer waits.
	waitFor(t, "the timer's goroutine", func() bool { return !waitsForCallback("(*Conn).setTimer.") })
	peer.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := peer.Write([]byte("echo")); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 4)
	if _, err := io.ReadFull(peer, got); err != nil || string(got) != "echo" {
		t.Fatalf("echo after the deadline was cleared: %q, %v", got, err)
	}
}

// TestReview17WriteErrorBetweenCallbacks: the writer goroutine's write
// failing (the peer reset) while OnData runs closes the connection after
// OnData returns.
func TestReview17WriteErrorBetweenCallbacks(t *testing.T) {
	h, fns := newHeld(func(c *Conn) {
		// More than the kernel takes: the writer blocks, as the peer does not read.
		if err := c.Send(make([]byte, 32<<20)); err != nil {
			t.Error(err)
		}
	}, nil, sendReply)
	// SlowReaderDrop: reading goes on with the queue above the high watermark.
	_, addr := serve(t, Config{Loops: 1, SlowReader: SlowReaderDrop}, fns)
	peer, c := h.hold(t, addr)
	peer.SetLinger(0)
	peer.Close() // a reset: the writer's write fails
	waitFor(t, "the writer's write to fail", func() bool {
		return c.state.Load() != stateOpen || waitsForCallback("(*Conn).writer(")
	})
	close(h.release)
	if err := <-h.sent; err != nil {
		t.Fatalf("Send in the OnData that ran when the write failed: %v", err)
	}
	// The write's error, or the reader's EOF (the reset's error went to
	// the write) when the reader closes first after OnData.
	if err := <-h.closed; err == nil {
		t.Fatal("OnClose with a nil error after the peer's reset")
	}
}

// TestReview17InputTooLargeBetweenCallbacks: OnData leaving more than
// MaxPendingInput closes the connection before another callback runs: an
// OnWritable owed meanwhile (Wake in that OnData) does not run on a
// connection that closes under it.
func TestReview17InputTooLargeBetweenCallbacks(t *testing.T) {
	const maxIn = 2 << 20
	type seen struct{ atEntry, atEnd int32 }
	writable := make(chan seen, 1)
	closed := make(chan error, 1)
	_, addr := serve(t, Config{Loops: 1, MaxPendingInput: maxIn, ReadBufferSize: 512 << 10}, &funcs{
		data: func(c *Conn, in []byte) int {
			if len(in) > maxIn {
				if err := c.Wake(); err != nil {
					t.Error(err)
				}
				// The callback goroutine waits for this callback to end.
				waitFor(t, "the callback goroutine", func() bool { return waitsForCallback("(*Conn).callbacks(") })
			}
			return 0
		},
		writable: func(c *Conn) {
			s := seen{atEntry: c.state.Load()}
			if s.atEntry == stateOpen {
				// The reader is about to close: it did so under this callback, or it waits.
				waitFor(t, "the reader's close", func() bool {
					return c.state.Load() != stateOpen || waitsForCallback("(*Conn).reader(")
				})
			}
			s.atEnd = c.state.Load()
			writable <- s
		},
		close: func(_ *Conn, err error) { closed <- err },
	})
	peer := dialStd(t, addr)
	go peer.Write(make([]byte, maxIn+maxIn/2))
	if err := <-closed; err != ErrInputTooLarge {
		t.Fatalf("OnClose with %v, want ErrInputTooLarge", err)
	}
	select {
	case s := <-writable:
		if s.atEntry != s.atEnd {
			t.Fatalf("the connection closed under OnWritable (state %d at entry, %d at its end)", s.atEntry, s.atEnd)
		}
	default:
	}
}

// waitsForCallback reports whether a goroutine whose stack names fn waits
// for a mutex: a connection's callback mutex (the tests have one
// connection, and its other mutex is held only for moments).
func waitsForCallback(fn string) bool {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	for g := range strings.SplitSeq(string(buf), "\n\n") {
		if strings.Contains(g, "[sync.Mutex.Lock") && strings.Contains(g, fn) {
			return true
		}
	}
	return false
}

// TestReview17ShutdownBetweenCallbacks: Shutdown while OnData runs closes
// the connection after OnData returns, as a loop's drain does: the reply
// OnData sends is not refused, it reaches the peer ahead of the close,
// and OnClose reports ErrShutdown.
func TestReview17ShutdownBetweenCallbacks(t *testing.T) {
	h, fns := newHeld(nil, nil, sendReply)
	// Not serve: this test's Shutdown is the one under test.
	l, err := New(Config{Loops: 1}, fns)
	if err != nil {
		t.Fatal(err)
	}
	addr, err := l.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ran := make(chan error, 1)
	go func() { ran <- l.Run() }()
	peer, c := h.hold(t, addr.String())
	shut := make(chan error, 1)
	go func() { shut <- l.Shutdown(context.Background()) }()
	waitFor(t, "Shutdown to close the connection", func() bool {
		return c.state.Load() != stateOpen || waitsForCallback("(*Conn).closeBetween.")
	})
	close(h.release)
	if err := <-h.sent; err != nil {
		t.Fatalf("Send in the OnData that ran when Shutdown came: %v", err)
	}
	peer.SetDeadline(time.Now().Add(5 * time.Second))
	if got, err := io.ReadAll(peer); err != nil || string(got) != "reply" {
		t.Fatalf("the peer read %q, %v; want the reply", got, err)
	}
	if err := <-h.closed; err != ErrShutdown {
		t.Fatalf("OnClose with %v, want ErrShutdown", err)
	}
	if err := <-shut; err != nil {
		t.Fatal(err)
	}
	if err := <-ran; err != nil {
		t.Fatal(err)
	}
}

// TestReview17AsyncWriteSlowBetweenCallbacks: with SlowReaderClose, an
// AsyncWrite from another goroutine that joins output queued past the
// high watermark closes the connection (ErrSlowReader) after the OnData
// running then returns, as a loop, which takes the data between
// callbacks, does: OnData sees its connection open till its end.
func TestReview17AsyncWriteSlowBetweenCallbacks(t *testing.T) {
	h, fns := newHeld(func(c *Conn) {
		// An empty queue takes it whole; the peer does not read, so it stays queued.
		if err := c.Send(make([]byte, 32<<20)); err != nil {
			t.Error(err)
		}
	}, nil, (*Conn).Wake)
	_, addr := serve(t, Config{Loops: 1, SlowReader: SlowReaderClose, WriteHighWatermark: 64 << 10}, fns)
	_, c := h.hold(t, addr)
	if err := c.AsyncWrite([]byte("more")); err != ErrSlowReader {
		t.Fatalf("AsyncWrite joining the queue past the high watermark: %v, want ErrSlowReader", err)
	}
	waitFor(t, "the close for the slow reader", func() bool {
		return c.state.Load() != stateOpen || waitsForCallback("(*Conn).closeBetween.")
	})
	close(h.release)
	if err := <-h.sent; err != nil {
		t.Fatalf("Wake in the OnData that ran when AsyncWrite found the peer slow: %v", err)
	}
	if err := <-h.closed; err != ErrSlowReader {
		t.Fatalf("OnClose with %v, want ErrSlowReader", err)
	}
}
