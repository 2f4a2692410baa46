package loadgen

import (
	"context"

	"github.com/autobahn-go/autobahn/ws"
)

// sendBatch is the closed loop of Run.Batch: when nothing is in flight on
// the connection it sends the next InFlight messages with one
// WriteMessages call (their frames in one write), all due at t. It does
// nothing while answers are outstanding, so the connection waits for the
// whole batch before the next.
func (lc *lconn) sendBatch(c *ws.Conn, t int64) {
	g := lc.g
	k := g.cfg.InFlight
	m := g.measured(t)
	lc.mu.Lock()
	if lc.gone || lc.n != 0 {
		lc.mu.Unlock()
		return
	}
	lc.batch = lc.batch[:0]
	for range k {
		if lc.n == len(lc.ring) && len(lc.ring) < lc.max {
			lc.grow()
		}
		size := g.cfg.Sizes.at(lc.seq)
		lc.seq++
		lc.ring[(lc.head+lc.n)%len(lc.ring)] = pending{t: t, size: int32(size), measured: m}
		lc.n++
		lc.batch = append(lc.batch, g.payload[:size])
	}
	ok := c.WriteMessages(context.Background(), g.op, lc.batch) == nil
	if !ok {
		lc.n = 0
	}
	lc.mu.Unlock()
	if m {
		g.sent.Add(int64(k))
		if ok {
			g.inflight.Add(int64(k))
		} else {
			g.errs.Add(int64(k))
			g.writeErrs.Add(int64(k))
		}
	}
}
