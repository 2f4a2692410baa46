package loadgen

import (
	"context"
	"testing"
	"time"
)

// An open loop offering more than the server answers: the server (one
// connection, 10 ms per message, so at most 100 answers per second)
// works off its backlog during the drain, after the measured time. The
// throughput is what it answered in the measured time, not the offered
// rate.
func TestReview14bOpenLoopBehindNotOffered(t *testing.T) {
	const offered = 200.0
	r := &Run{
		Dial:    Dial{URL: stallEcho(t, 1, 10*time.Millisecond), Conns: 1},
		MsgRate: offered, Warmup: 0, Duration: 500 * time.Millisecond, Drain: 5 * time.Second,
	}
	res, err := r.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	checkCounts(t, res)
	// The server's sleeps bound its answers in the measured time to about
	// half the offered ones, however fast or slow the machine.
	if res.MsgPerSecond > 0.75*offered {
		t.Fatalf("%.0f msg/s reported for a server that answers 100 per second at most (offered %.0f; sent %d, received %d over %.2f s)",
			res.MsgPerSecond, offered, res.Sent, res.Received, res.DurationSeconds)
	}
}
