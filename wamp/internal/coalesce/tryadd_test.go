package coalesce

import (
	"errors"
	"testing"
	"time"
)

// TryAdd never writes in its caller's goroutine, even when the write
// blocks; it refuses, queueing nothing, while the queue is over its limit;
// and after Drain it returns the queue's error.
func TestQueueTryAdd(t *testing.T) {
	g := newGate()
	var q Queue
	q.Init(16, g.write, func(error) {}, nil, errClosed) // three 7-octet messages queued are over it
	g.hold.Store(true)
	res := make(chan error, 1)
	go func() {
		ok, err := q.TryAdd(msg)
		if err == nil && !ok {
			err = errors.New("TryAdd refused an empty queue")
		}
		res <- err
	}()
	select {
	case err := <-res:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("TryAdd waited for its write")
	}
	<-g.entered // a writer goroutine writes it, and is held there
	g.hold.Store(false)
	for i := range 3 {
		if ok, err := q.TryAdd(msg); !ok || err != nil {
			t.Fatalf("TryAdd %d behind a write: %v %v", i, ok, err)
		}
	}
	if ok, err := q.TryAdd(msg); ok || err != nil {
		t.Fatalf("TryAdd over the limit: %v %v", ok, err)
	}
	close(g.release)
	if n := <-g.counts; n != 1 {
		t.Fatalf("held write carried %d messages", n)
	}
	if n := <-g.counts; n != 3 {
		t.Fatalf("the next write carried %d messages, want the 3 TryAdd queued", n)
	}
	if q.Drain(time.Second) {
		t.Fatal("Drain found a write stuck")
	}
	if ok, err := q.TryAdd(msg); ok || !errors.Is(err, errClosed) {
		t.Fatalf("TryAdd after Drain: %v %v", ok, err)
	}
}
