package ws

import (
	"sync"
	"sync/atomic"
	"time"
)

// keepaliveShards is the number of keepalive groups of the process.
const keepaliveShards = 8

// keepalives run the keepalive checks of every connection of the process,
// whatever Options it was made with (Options are plain configuration): a
// few groups, each on one runtime timer, so that connections coming and
// going do not all meet on one lock.
var (
	keepalives    [keepaliveShards]keepaliveGroup
	keepaliveNext atomic.Uint32
)

func init() {
	for i := range keepalives {
		keepalives[i].epoch = time.Now()
	}
}

// keepaliveOf returns the group c's keepalive checks run in.
func keepaliveOf(c *Conn) *keepaliveGroup { return &keepalives[c.kshard] }

// keepaliveGroup runs the keepalive checks (Conn.keepalive) of its
// connections on one runtime timer, instead of a timer and a closure per
// connection: a connection costs only a slot in a heap ordered by due
// time. As with time.AfterFunc, each check runs on a goroutine of its own,
// so that a slow ping write delays no other.
type keepaliveGroup struct {
	mu    sync.Mutex
	epoch time.Time     // due times are durations since epoch (monotonic)
	timer *time.Timer   // made on first use; runs fire
	armed bool          // timer will fire at the time in at
	at    time.Duration // since epoch
	due   keepaliveHeap
}

// schedule runs c.keepalive after d. c must not be scheduled already.
func (g *keepaliveGroup) schedule(c *Conn, d time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.due.push(keepaliveEntry{at: time.Since(g.epoch) + d, c: c})
	g.arm()
}

// remove unschedules c if it is scheduled.
func (g *keepaliveGroup) remove(c *Conn) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if c.keepaliveSlot > 0 {
		g.due.removeAt(int(c.keepaliveSlot) - 1)
	}
	if n := len(g.due); cap(g.due) > 1024 && n < cap(g.due)/4 {
		// Most connections are gone: give back what they held.
		g.due = append(make(keepaliveHeap, 0, 2*n), g.due...)
	}
}

// arm sets the timer to fire at the first due time, unless it fires
// earlier already. g.mu must be held.
func (g *keepaliveGroup) arm() {
	if len(g.due) == 0 {
		return // a pending fire finds nothing to do
	}
	at := g.due[0].at
	if g.armed && g.at <= at {
		return
	}
	g.armed, g.at = true, at
	d := at - time.Since(g.epoch)
	if g.timer == nil {
		g.timer = time.AfterFunc(d, g.fire)
	} else {
		g.timer.Reset(d)
	}
}

// fire starts the checks that are due and sets the timer for the next.
func (g *keepaliveGroup) fire() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.armed = false
	now := time.Since(g.epoch)
	for len(g.due) > 0 && g.due[0].at <= now {
		c := g.due.removeAt(0).c
		go c.keepalive()
	}
	g.arm()
}

type keepaliveEntry struct {
	at time.Duration // since the group's epoch
	c  *Conn
}

// keepaliveHeap is a binary min-heap by due time that keeps every Conn's
// keepaliveSlot (index + 1) up to date. (Not container/heap: its any
// values would allocate.)
type keepaliveHeap []keepaliveEntry

func (h *keepaliveHeap) push(e keepaliveEntry) {
	*h = append(*h, e)
	h.up(len(*h) - 1)
}

// removeAt removes and returns the entry at index i.
func (h *keepaliveHeap) removeAt(i int) keepaliveEntry {
	s := *h
	e := s[i]
	n := len(s) - 1
	if i != n {
		h.set(i, s[n])
	}
	s[n] = keepaliveEntry{}
	*h = s[:n]
	if i != n {
		h.down(i)
		h.up(i)
	}
	e.c.keepaliveSlot = 0
	return e
}

func (h keepaliveHeap) set(i int, e keepaliveEntry) {
	h[i] = e
	e.c.keepaliveSlot = int32(i + 1)
}

func (h keepaliveHeap) up(i int) {
	e := h[i]
	for i > 0 {
		p := (i - 1) / 2
		if h[p].at <= e.at {
			break
		}
		h.set(i, h[p])
		i = p
	}
	h.set(i, e)
}

func (h keepaliveHeap) down(i int) {
	e := h[i]
	for {
		k := 2*i + 1
		if k >= len(h) {
			break
		}
		if k+1 < len(h) && h[k+1].at < h[k].at {
			k++
		}
		if e.at <= h[k].at {
			break
		}
		h.set(i, h[k])
		i = k
	}
	h.set(i, e)
}

// keepalive runs on its keepalive group's timer (no goroutine while idle): it
// pings an idle peer and drops it when no answer comes.
func (c *Conn) keepalive() {
	interval, timeout := c.opts.PingInterval, c.opts.PingTimeout
	last := time.Unix(0, c.lastRead.Load())
	now := time.Now()
	clock := pingClockFor(timeout)
	c.mu.Lock()
	var pingSent time.Time // zero: no ping unanswered
	if c.has(flagPinged) {
		pingSent = clock.time(c.pingSent, now)
	}
	c.mu.Unlock()
	msgLeft := time.Duration(-1) // until the message under way times out
	if start := c.msgStart.Load(); start != 0 && c.opts.MessageTimeout > 0 {
		msgLeft = c.opts.MessageTimeout - now.Sub(time.Unix(0, start))
		if msgLeft <= 0 {
			c.debug("ws: message timeout")
			_ = c.Close(StatusPolicyViolation, "message not completed in time")
			return
		}
	}
	var next time.Duration
	switch {
	case !pingSent.IsZero() && last.Before(pingSent) && now.Sub(pingSent) >= timeout:
		c.debug("ws: ping timeout")
		c.drop(ErrPingTimeout)
		return
	case !pingSent.IsZero() && last.Before(pingSent):
		next = timeout - now.Sub(pingSent)
	case now.Sub(last) >= interval:
		if c.push { // only push mode reads it (quietPong)
			c.mu.Lock()
			c.setFlag(flagKAPing, true)
			c.mu.Unlock()
		}
		if err := c.writeControl(OpPing, nil); err != nil {
			return
		}
		pingSent, next = now, timeout
	default:
		pingSent, next = time.Time{}, interval-now.Sub(last)
	}
	if msgLeft > 0 && msgLeft < next {
		next = msgLeft
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.setFlag(flagPinged, !pingSent.IsZero())
	if !pingSent.IsZero() {
		c.pingSent = clock.stamp(pingSent)
	}
	if !c.has(flagEnded) {
		keepaliveOf(c).schedule(c, next)
	}
}

// pingClock is the unit of Conn.pingSent, which keeps when the unanswered
// keepalive ping went out in 32 bits: wall-clock time in units of
// max(1 ms, PingTimeout/2^28), modulo 2^32. A check looks at a ping at
// most about PingTimeout after it went out (the check that drops the
// connection is due then), far within the 2^31 units a signed 32-bit
// difference reaches. The time it gives back is rounded down to the unit:
// a ping times out up to one unit early.
type pingClock int64

// pingClockFor returns the pingClock for a PingTimeout of timeout.
func pingClockFor(timeout time.Duration) pingClock {
	return pingClock(max(time.Millisecond, timeout>>28))
}

// stamp returns t as a pingSent value.
func (u pingClock) stamp(t time.Time) uint32 { return uint32(t.UnixNano() / int64(u)) }

// time returns the time that stamp s stands for, s being from within 2^31
// units of now (either side).
func (u pingClock) time(s uint32, now time.Time) time.Time {
	n := now.UnixNano() / int64(u)
	return time.Unix(0, (n-int64(int32(uint32(n)-s)))*int64(u))
}

// quieter is what a driver's net.Conn may offer to hear that its
// connection went quiet: a pong answered the keepalive ping, which is sent
// only after PingInterval without input. wsloop's TLS connections then
// let go of state they make again on the next record.
type quieter interface{ Quiet() }

// quietPong tells c's driver, if it listens, that a pong arrived for the
// keepalive ping (push mode, on the driver's loop).
func (c *Conn) quietPong() {
	q, ok := c.nc.(quieter)
	if !ok {
		return
	}
	c.mu.Lock()
	ka := c.has(flagKAPing)
	c.setFlag(flagKAPing, false)
	c.mu.Unlock()
	if ka {
		q.Quiet()
	}
}
