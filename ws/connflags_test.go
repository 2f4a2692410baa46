package ws

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// pauseOutput is a push driver that pauses reading and hears that its
// connection went quiet. A PauseRead while paused, or a ResumeRead while
// reading, counts as bad: the Conn lost track of its reasons to pause.
type pauseOutput struct {
	fakeOutput
	paused atomic.Bool
	bad    atomic.Int64
	quiet  atomic.Int64
}

func (p *pauseOutput) PauseRead() {
	if p.paused.Swap(true) {
		p.bad.Add(1)
	}
}

func (p *pauseOutput) ResumeRead() {
	if !p.paused.Swap(false) {
		p.bad.Add(1)
	}
}

func (p *pauseOutput) Quiet() { p.quiet.Add(1) }

// TestConnFlagsConcurrent: the bools mu guards share a byte (Conn.mf), the
// read side's (mop, mdec, told: rmu) have bytes of their own. A goroutine
// pausing and resuming reading (mu), the loop feeding messages and pongs
// (rmu, and mu for the pongs' quietPong) and the keepalive pinging (mu)
// run at once: under the race detector a byte shared across the locks, or
// a flag written without mu, is reported; without it, a lost flag shows
// as a pause or quiet the driver hears wrong. (Pull mode's writing flag:
// TestConcurrentWriters and TestMessageLockWaits.)
func TestConnFlagsConcurrent(t *testing.T) {
	out := &pauseOutput{}
	pc := NewPushConn(out, RoleServer, Negotiated{}, &Options{PingInterval: time.Millisecond, PingTimeout: time.Hour}, OutputBounds{})
	c := pc.Conn()
	t.Cleanup(func() { _ = c.CloseNow() })
	h := &idleHandler{}
	const n = 500
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			c.PauseRead()
			c.ResumeRead()
		}
	})
	// The loop feeds messages, then goes on taking the output until the
	// keepalive pinged (after 1 ms without input; the next check is due an
	// hour later), and answers.
	pings := 0
	for i := 0; i < n || pings == 0; i++ {
		if i < n {
			first := rawFrame(false, OpBinary, 3) // mop and mdec are set
			if !pc.Feed(first, h) || !pc.Feed(rawFrame(true, OpContinuation, 2), h) {
				t.Fatalf("closed at message %d", i)
			}
		}
		b := pc.TakeOutput()
		if b == nil {
			continue
		}
		pinged := false
		for _, m := range messages(t, *b) {
			pinged = pinged || m == "ping:"
		}
		PutOutput(b)
		pc.OutputSent(0)
		if pinged {
			pings++
			if !pc.Feed(AppendFrame(nil, OpPong, true, true, [4]byte{1, 2, 3, 4}, nil), h) {
				t.Fatal("closed by a pong")
			}
		}
	}
	close(stop)
	wg.Wait()
	if len(h.msgs) != n {
		t.Fatalf("delivered %d messages, want %d", len(h.msgs), n)
	}
	if out.bad.Load() != 0 || out.paused.Load() {
		t.Fatalf("the driver heard %d needless pauses or resumes; paused at the end: %v", out.bad.Load(), out.paused.Load())
	}
	if out.quiet.Load() == 0 {
		t.Fatal("the pong for the keepalive ping did not reach Quiet")
	}
	pc.FeedEnd(h, ErrClosed)
	if pc.Feed(rawFrame(true, OpBinary, 1), h) {
		t.Fatal("Feed after FeedEnd reports the connection open")
	}
}

// TestFinalErrorOutOfLine: a connection's final error lives in its
// connRare, made only when the connection finishes (an open idle one
// carries none), and the first end decides it. A SetData on one goroutine
// racing the end on another (as an OnOpen may race the keepalive's drop)
// loses neither the value, the error nor Done's channel.
func TestFinalErrorOutOfLine(t *testing.T) {
	pc := NewPushConn(&fakeOutput{}, RoleServer, Negotiated{}, &Options{PingInterval: -1}, OutputBounds{})
	c := pc.Conn()
	if c.rare.Load() != nil || c.finished() != nil {
		t.Fatal("an open Conn has a connRare or a final error")
	}
	_ = c.CloseNow()
	ce, ok := c.finished().(*CloseError)
	if !ok || ce.Code != StatusAbnormalClosure {
		t.Fatalf("final error after CloseNow = %v, want 1006", c.finished())
	}
	_ = c.Close(StatusNormalClosure, "")
	c.mu.Lock()
	c.setCloseErr(&CloseError{Code: StatusGoingAway})
	c.mu.Unlock()
	if c.finished() != ce {
		t.Fatalf("final error changed to %v after the first", c.finished())
	}
	if c.Data() != nil {
		t.Fatalf("Data() = %v, want nil", c.Data())
	}

	for i := range 2000 {
		pc := NewPushConn(&fakeOutput{}, RoleServer, Negotiated{}, &Options{PingInterval: -1}, OutputBounds{})
		c := pc.Conn()
		start := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() { <-start; c.SetData(i) })
		wg.Go(func() { <-start; _ = c.CloseNow() })
		var done <-chan struct{}
		wg.Go(func() { <-start; done = c.Done() })
		close(start)
		wg.Wait()
		if c.Data() != i || c.finished() == nil {
			t.Fatalf("round %d: Data() = %v, final error %v", i, c.Data(), c.finished())
		}
		select {
		case <-done:
		default:
			t.Fatalf("round %d: Done's channel is open after the end", i)
		}
	}
}
