package coalesce

import (
	"context"
	"errors"
	"testing"
)

// A message refused by its build (too large once encoded: RawSocket's
// Send appends the whole message, then checks it against the peer's
// maximum) must not leave the queue holding the buffer that build grew
// for it: it kept that buffer, cut to the queued messages but with its
// full capacity (the size of the refused message, hundreds of MB for a
// huge payload), for as long as the connection sent nothing else; an idle
// queue keeps no buffer at all (the package doc's promise).
func TestReview18RefusedMessageBufferNotKept(t *testing.T) {
	errTooLarge := errors.New("too large")
	for _, queued := range []bool{false, true} {
		var q Queue
		q.Init(1<<20, func(context.Context, []byte, []int) error { return nil }, func(error) {}, nil, errClosed)
		if queued {
			// A message waits behind a write under way (busy), so the
			// refused one grows a buffer that already holds one.
			q.busy = true
			if err := q.Add(context.Background(), msg); err != nil {
				t.Fatal(err)
			}
		}
		before := len(q.b)
		err := q.Add(context.Background(), func(b []byte) ([]byte, error) {
			return append(b, make([]byte, 8<<20)...), errTooLarge
		})
		if !errors.Is(err, errTooLarge) {
			t.Fatalf("Add: %v", err)
		}
		if len(q.b) != before || cap(q.b) > maxPooled {
			t.Errorf("queued=%v: after the refused message the queue holds %d octets in a buffer of %d (want %d in at most %d)", queued, len(q.b), cap(q.b), before, maxPooled)
		}
		if !queued && q.b != nil {
			t.Errorf("an idle queue holds a buffer of %d after a refused message", cap(q.b))
		}
		q.busy = false
	}
}
