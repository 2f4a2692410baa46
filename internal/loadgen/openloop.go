package loadgen

import (
	"context"
	"time"
)

// maxSchedSleep bounds one sleep of the open loop's scheduler, so that it
// sees the end of the run soon.
const maxSchedSleep = 10 * time.Millisecond

// openLoop sends message i at its intended time t0 + i/MsgRate on
// connection i mod len(conns), until sending stops. One goroutine
// schedules every message: when it wakes late (the Go scheduler, a busy
// machine) it sends what is due at once, and those messages' latencies
// count from their intended times, so the generator's own lateness shows
// in the result instead of hiding the server's. When sending stops, what
// was due in the measured time and not sent yet (the scheduler asleep or
// late at its end) is sent then, late, rather than left out of the count.
func (g *gen) openLoop(ctx context.Context, conns []*lconn, t0 int64) {
	interval := float64(time.Second) / g.cfg.MsgRate
	var i int64
	// sendDue sends the messages due up to until, while more (or sending)
	// holds.
	sendDue := func(until int64, more func() bool) {
		for more() {
			due := t0 + int64(float64(i)*interval)
			if due > until {
				break
			}
			lc := conns[i%int64(len(conns))]
			lc.send(lc.c, due)
			i++
		}
	}
	for g.sending.Load() && ctx.Err() == nil {
		sendDue(g.now(), g.sending.Load)
		next := t0 + int64(float64(i)*interval)
		time.Sleep(min(time.Duration(next-g.now()), maxSchedSleep))
	}
	if ctx.Err() == nil {
		sendDue(g.measureEnd.Load()-1, func() bool { return true })
	}
}
