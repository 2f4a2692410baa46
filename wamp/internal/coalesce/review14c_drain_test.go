package coalesce

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestReview14cDrainRacesAdd: an Add that comes just as the write Drain
// waits for ends (the writer went idle, Drain has not yet stopped further
// Adds) is either written or refused with closedErr: never accepted (nil)
// and then dropped. The racing Add mostly leaves its write to a writer
// goroutine (it comes within the held write's duration of its end, as a
// burst's Adds do), which used to find the queue closed by Drain and
// leave without writing what it was started for.
func TestReview14cDrainRacesAdd(t *testing.T) {
	for i := range 300 {
		var written atomic.Int64
		entered, release := make(chan struct{}), make(chan struct{})
		var first atomic.Bool
		write := func(_ context.Context, _ []byte, ends []int) error {
			if first.CompareAndSwap(false, true) {
				close(entered)
				<-release
			}
			written.Add(int64(len(ends)))
			return nil
		}
		var q Queue
		q.Init(1<<20, write, func(error) {}, nil, errClosed)
		// Every Add that leads a write leaves it to a writer goroutine
		// (the last write seemingly took long and ended just now).
		q.pol.lastEnd, q.pol.lastDur = time.Now(), time.Hour
		if err := q.Add(context.Background(), msg); err != nil {
			t.Fatal(err)
		}
		<-entered // the writer goroutine holds the first write
		drained := make(chan bool, 1)
		go func() { drained <- q.Drain(10 * time.Second) }()
		// Wait until Drain waits for the writer to go idle.
		var idle chan struct{}
		for idle == nil {
			q.mu.Lock()
			idle = q.idle
			q.mu.Unlock()
			if idle == nil {
				select {
				case r := <-drained:
					t.Fatalf("Drain returned %v before the held write ended", r)
				default:
				}
			}
		}
		var accepted atomic.Int64
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { // adds as soon as the writer goes idle, racing Drain
			defer wg.Done()
			<-idle
			switch err := q.Add(context.Background(), msg); {
			case err == nil:
				accepted.Add(1)
			case !errors.Is(err, errClosed):
				t.Errorf("Add racing Drain: %v", err)
			}
		}()
		close(release)
		wg.Wait()
		if <-drained {
			t.Fatal("Drain reports a stuck write")
		}
		// Whatever a writer goroutine still writes, it ends: wait for it.
		if !waitIdle(&q) {
			t.Fatal("the queue stayed busy for 5 s")
		}
		if want := 1 + accepted.Load(); written.Load() != want {
			t.Fatalf("iteration %d: %d messages written, want %d: an Add accepted during Drain was dropped", i, written.Load(), want)
		}
	}
}
