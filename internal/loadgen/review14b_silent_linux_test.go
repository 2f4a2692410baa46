package loadgen

import (
	"context"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/ws"
)

// mute takes every message and answers none; its handler blocks on the
// first message until the test ends, so it never answers a close either.
type mute struct {
	ws.BaseHandler
	release chan struct{}
}

func (h mute) OnMessage(*ws.Conn, ws.Opcode, []byte) { <-h.release }

// A server that answers nothing: every measured message is an error
// (unanswered after the drain), and the counts add up.
func TestReview14bSilentServerCounts(t *testing.T) {
	h := mute{release: make(chan struct{})}
	url := serveHandler(t, h)
	t.Cleanup(func() { close(h.release) }) // runs before serveHandler's cleanup
	for _, engine := range []string{"loop", "uring"} {
		if engine == "uring" {
			uringOrSkip(t)
		}
		r := &Run{Dial: Dial{URL: url, Conns: 3}, InFlight: 2, Engine: engine,
			Warmup: 0, Duration: 100 * time.Millisecond, Drain: 50 * time.Millisecond}
		res, err := r.Start(context.Background())
		if err != nil {
			t.Fatal(engine, err)
		}
		checkCounts(t, res)
		if res.Sent == 0 || res.Received != 0 || res.Errors != res.Sent {
			t.Errorf("%s: sent %d received %d errors %d (lost %d)", engine, res.Sent, res.Received, res.Errors, res.Lost)
		}
	}
}
