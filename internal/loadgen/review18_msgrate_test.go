package loadgen

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"
)

// An open-loop rate whose interval between messages does not fit the
// clock (infinite, or so small that the interval passes 292 years) is
// refused with a clear error. It was taken: the intended send times
// overflowed to the past, and the scheduler sent every message at once,
// a flood, instead of the trickle asked for.
func TestReview18OpenLoopRateRange(t *testing.T) {
	url, _ := loopEcho(t, nil)
	for _, rate := range []float64{math.Inf(1), 1e-10, math.NaN()} {
		r := &Run{Dial: Dial{URL: url, Conns: 1}, MsgRate: rate, Duration: 50 * time.Millisecond, Drain: 50 * time.Millisecond}
		res, err := r.Start(context.Background())
		if err == nil {
			t.Errorf("MsgRate %v: no error; sent %d in %.2f s (%s loop)", rate, res.Sent, res.DurationSeconds, res.Mode)
		}
	}
}

// The same for the WAMP PubSub phase's event rate: refused before any
// session joins (it flooded the router, or ran unpaced for NaN).
func TestReview18WAMPEventRateRange(t *testing.T) {
	for _, rate := range []float64{math.Inf(1), 1e-10, math.NaN()} {
		w := &WAMP{URL: "ws://127.0.0.1:1/ws", Only: "pubsub", EventRate: rate, Duration: 50 * time.Millisecond}
		_, err := w.Start(context.Background())
		if err == nil || !strings.Contains(err.Error(), "event rate") {
			t.Errorf("EventRate %v: %v, want the rate refused", rate, err)
		}
	}
}
