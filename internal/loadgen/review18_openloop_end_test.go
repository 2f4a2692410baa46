package loadgen

import (
	"context"
	"testing"
	"time"
)

// The open loop sends every message due in the measured time: those due
// in its last stretch, while the scheduler slept or ran late, were never
// sent nor counted, so Sent fell short of rate × duration and the loop
// offered less than asked for.
func TestReview18OpenLoopSendsAllDue(t *testing.T) {
	url, _ := loopEcho(t, nil)
	const (
		rate = 200000.0
		d    = 100 * time.Millisecond
	)
	r := &Run{Dial: Dial{URL: url, Conns: 2}, MsgRate: rate, Duration: d, Drain: 2 * time.Second}
	res, err := r.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	checkCounts(t, res)
	// The intended times are t0 + i/rate: at least rate × d of them (but
	// one) fall in the measured messages' time, which lasts d from the
	// first sample and starts when it was due.
	if want := int64(rate * d.Seconds()); res.Sent < want-1 || res.Sent > want+int64(rate*res.DurationSeconds/2) {
		t.Errorf("sent %d messages due in %v at %.0f/s, want %d (received %d, errors %d)", res.Sent, d, rate, want, res.Received, res.Errors)
	}
}
