package coalesce

import (
	"context"
	"errors"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

var errClosed = errors.New("closed")

// gate is a write function that records each write's message count and,
// while hold is set, waits for release.
type gate struct {
	writes  atomic.Int64
	counts  chan int
	hold    atomic.Bool
	entered chan struct{}
	release chan struct{}
	err     error
}

func newGate() *gate {
	return &gate{counts: make(chan int, 100), entered: make(chan struct{}, 1), release: make(chan struct{})}
}

func (g *gate) write(_ context.Context, _ []byte, ends []int) error {
	g.writes.Add(1)
	g.counts <- len(ends)
	if g.hold.Load() {
		g.entered <- struct{}{}
		<-g.release
	}
	return g.err
}

func msg(b []byte) ([]byte, error) { return append(b, "message"...), nil }

func TestQueueInlineThenBatch(t *testing.T) {
	g := newGate()
	var q Queue
	failed := 0
	q.Init(1<<20, g.write, func(error) { failed++ }, nil, errClosed)
	ctx := context.Background()
	// A lone message is written before Add returns.
	if err := q.Add(ctx, msg); err != nil {
		t.Fatal(err)
	}
	if g.writes.Load() != 1 || <-g.counts != 1 {
		t.Fatal("a lone message was not written inline")
	}
	// While a write is held, Adds return at once; the next write has them all.
	g.hold.Store(true)
	first := make(chan error, 1)
	go func() {
		time.Sleep(time.Millisecond) // not a burst: later than the last write's duration
		first <- q.Add(ctx, msg)
	}()
	<-g.entered
	g.hold.Store(false)
	for range 10 {
		if err := q.Add(ctx, msg); err != nil {
			t.Fatal(err)
		}
	}
	close(g.release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if n := <-g.counts; n != 1 {
		t.Fatalf("held write carried %d messages", n)
	}
	if n := <-g.counts; n != 10 {
		t.Fatalf("the write after it carried %d messages, want the 10 queued meanwhile", n)
	}
	if q.Drain(time.Second) || failed != 0 {
		t.Fatalf("Drain of an idle queue: stuck, or fail called %d times", failed)
	}
}

func TestQueueFailAndDrain(t *testing.T) {
	g := newGate()
	g.err = errors.New("broken pipe")
	var q Queue
	failed := 0
	q.Init(16, g.write, func(error) { failed++ }, nil, errClosed)
	ctx := context.Background()
	if err := q.Add(ctx, msg); !errors.Is(err, g.err) {
		t.Fatalf("Add whose own write failed: %v", err)
	}
	if err := q.Add(ctx, msg); !errors.Is(err, g.err) {
		t.Fatalf("Add after a failed write: %v", err)
	}
	if failed != 1 || g.writes.Load() != 1 {
		t.Fatalf("fail called %d times, %d writes", failed, g.writes.Load())
	}
	if q.Drain(time.Second) {
		t.Fatal("Drain after a failure reports a stuck write")
	}

	// A write that never ends: Drain gives up, says so, and stops Adds.
	g2 := newGate()
	g2.hold.Store(true)
	var q2 Queue
	q2.Init(16, g2.write, func(error) {}, nil, errClosed)
	go q2.Add(ctx, msg)
	<-g2.entered
	big := func(b []byte) ([]byte, error) { return append(b, "twenty octets, at least"...), nil }
	if err := q2.Add(ctx, big); err != nil { // queued behind the stuck write
		t.Fatal(err)
	}
	// Over the 16-octet limit: an Add waits for room, within its ctx.
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if err := q2.Add(short, msg); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Add over the limit: %v", err)
	}
	if !q2.Drain(20 * time.Millisecond) {
		t.Fatal("Drain did not report the stuck write")
	}
	if err := q2.Add(ctx, msg); !errors.Is(err, errClosed) {
		t.Fatalf("Add after Drain: %v", err)
	}
	close(g2.release)
}

func TestQueueBurst(t *testing.T) {
	// One goroutine adding faster than writes complete: after the first
	// inline write, the writer goroutine takes over and writes in batches.
	g := newGate()
	slow := func(ctx context.Context, b []byte, ends []int) error {
		time.Sleep(200 * time.Microsecond)
		return g.write(ctx, b, ends)
	}
	var q Queue
	q.Init(1<<20, slow, func(error) {}, nil, errClosed)
	const n = 200
	for range n {
		if err := q.Add(context.Background(), msg); err != nil {
			t.Fatal(err)
		}
	}
	total := 0
	for total < n {
		total += <-g.counts
	}
	if w := g.writes.Load(); w > n/4 {
		t.Fatalf("a burst of %d messages took %d writes", n, w)
	}
	q.Drain(time.Second)
}

// TestQueueLeaderCtxDoesNotBoundWrite: the ctx of the Add that leads a
// write does not reach the write, which carries the messages queued behind
// it too: its end fails neither the write nor the queue.
func TestQueueLeaderCtxDoesNotBoundWrite(t *testing.T) {
	var failed atomic.Int32
	entered, release := make(chan struct{}), make(chan struct{})
	var writes atomic.Int32
	write := func(ctx context.Context, _ []byte, ends []int) error {
		if writes.Add(1) == 1 {
			close(entered)
			<-release
		}
		return ctx.Err() // as a transport's write aborted by its ctx
	}
	var q Queue
	q.Init(1<<20, write, func(error) { failed.Add(1) }, nil, errClosed)
	short, cancel := context.WithCancel(context.Background())
	led := make(chan error, 1)
	go func() { led <- q.Add(short, msg) }()
	<-entered
	for range 5 { // queued behind the leader's write
		if err := q.Add(context.Background(), msg); err != nil {
			t.Fatal(err)
		}
	}
	cancel() // the leader's ctx ends during its write
	close(release)
	if err := <-led; err != nil {
		t.Fatalf("the leading Add: %v", err)
	}
	if q.Drain(5*time.Second) || failed.Load() != 0 {
		t.Fatalf("queue failed %d times, or Drain found a write stuck", failed.Load())
	}
	if w := writes.Load(); w != 2 {
		t.Fatalf("%d writes, want the leader's and one for the 5 queued behind it", w)
	}
}

// An idle queue holds no buffer: an empty queue's buffers go to the pool,
// and the next Add takes one from there.
func TestQueueIdleHoldsNoBuffer(t *testing.T) {
	g := newGate()
	var q Queue
	q.Init(1<<20, g.write, func(error) {}, nil, errClosed)
	for range 3 {
		if err := q.Add(context.Background(), msg); err != nil {
			t.Fatal(err)
		}
		<-g.counts
		// The write may be a writer goroutine's (the Policy takes Adds
		// quicker than the last write's duration for a burst), which
		// marks the queue idle after its write returns: wait for that.
		if !waitIdle(&q) {
			t.Fatal("the queue stayed busy for 5 s after its write")
		}
		q.mu.Lock()
		b, spare := q.b, q.spareB
		q.mu.Unlock()
		if b != nil || spare != nil {
			t.Fatalf("idle queue holds buffers: b cap %d, spare cap %d", cap(b), cap(spare))
		}
	}
	// Counted on the inline path: a writer goroutine's start allocates its
	// closure, and whether the Policy takes that path depends on timing.
	allocs := testing.AllocsPerRun(100, func() {
		q.mu.Lock()
		q.pol = Policy{}
		q.mu.Unlock()
		_ = q.Add(context.Background(), msg)
		<-g.counts
		waitIdle(&q)
	})
	if allocs > 0.5 {
		t.Fatalf("%.1f allocations per Add on an idle queue: the pooled buffer is not reused", allocs)
	}
}

// waitIdle waits up to 5 s for q to have no write under way; it allocates
// nothing (TestQueueIdleHoldsNoBuffer counts allocations around it).
func waitIdle(q *Queue) bool {
	deadline := time.Now().Add(5 * time.Second)
	for {
		q.mu.Lock()
		busy := q.busy
		q.mu.Unlock()
		if !busy {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		runtime.Gosched()
	}
}
