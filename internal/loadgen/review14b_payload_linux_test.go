package loadgen

import (
	"context"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/ws"
)

// corrupter echoes every message with its size and type but its last
// byte changed: an echo server with a broken unmasking or copy.
type corrupter struct{ ws.BaseHandler }

func (corrupter) OnMessage(c *ws.Conn, op ws.Opcode, p []byte) {
	q := append([]byte(nil), p...)
	q[len(q)-1] ^= 0x20
	_ = c.WriteMessage(context.Background(), op, q)
}

// An answer of the right size and type but other bytes is not an echo:
// both engines count it as mismatched, never as received (with a
// latency), so a server that garbles what it echoes cannot rank first.
func TestReview14bCorruptEchoIsMismatched(t *testing.T) {
	url := serveHandler(t, corrupter{})
	sizes, _ := ParseSizes("16:3,300:1")
	for _, engine := range []string{"loop", "uring"} {
		if engine == "uring" {
			uringOrSkip(t)
		}
		r := &Run{
			Dial:     Dial{URL: url, Conns: 4},
			InFlight: 2, Sizes: sizes, Engine: engine,
			Warmup: 20 * time.Millisecond, Duration: 200 * time.Millisecond,
		}
		res, err := r.Start(context.Background())
		if err != nil {
			t.Fatal(engine, err)
		}
		checkCounts(t, res)
		if res.Sent == 0 || res.Received != 0 || res.Mismatched != res.Sent || res.Latency.Count != 0 {
			t.Errorf("%s: sent %d, received %d, mismatched %d, latencies %d: want every answer mismatched",
				engine, res.Sent, res.Received, res.Mismatched, res.Latency.Count)
		}
	}
}
