package inbox

import (
	"context"
	"errors"
	"testing"
)

// TestReview14Drop: Drop ends the Inbox, gives back what it holds (Take
// returns the end at once, not the queued messages) and resumes reading
// if the Inbox paused it; messages that still come are dropped without
// pausing again.
func TestReview14Drop(t *testing.T) {
	in := New(0, 8, full)
	var calls []bool
	in.SetPause(func(p bool) { calls = append(calls, p) })
	for i := range 3 {
		if !in.Put([]byte{byte(i)}, false) {
			t.Fatalf("Put %d refused", i)
		}
	}
	if len(calls) != 1 || !calls[0] {
		t.Fatalf("pause calls %v after 3 of 8 messages", calls)
	}
	gone := errors.New("gone")
	in.Drop(gone)
	if len(calls) != 2 || calls[1] {
		t.Fatalf("pause calls %v after Drop, want [true false]", calls)
	}
	if _, err := in.Take(context.Background(), nil, nil); err != gone {
		t.Fatalf("Take after Drop: %v", err)
	}
	for i := range 20 {
		if !in.Put([]byte{byte(i)}, false) {
			t.Fatalf("Put %d after Drop reported overflow", i)
		}
	}
	in.Drop(errors.New("later")) // the first end stays; nothing to resume
	if len(calls) != 2 {
		t.Fatalf("pause calls %v after messages that came after Drop", calls)
	}
	if _, err := in.Take(context.Background(), nil, nil); err != gone {
		t.Fatalf("Take: %v", err)
	}
}
