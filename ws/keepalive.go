package ws

import (
	"math"
	"math/bits"
	"sync"
	"sync/atomic"
	"time"

	"github.com/autobahn-go/autobahn/internal/chunked"
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
		g.due.removeAt(int(c.keepaliveSlot) - 1) // gives back the chunks that emptied
	}
}

// arm sets the timer to fire at the first due time, unless it fires
// earlier already. g.mu must be held.
func (g *keepaliveGroup) arm() {
	if g.due.len() == 0 {
		return // a pending fire finds nothing to do
	}
	at := g.due.at(0).at
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
	for g.due.len() > 0 && g.due.at(0).at <= now {
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
// values would allocate.) It is kept in chunks (internal/chunked): it
// holds every connection of its group, and a slice doubling as tens of
// thousands of connections open would leave as much garbage again.
type keepaliveHeap struct{ s chunked.Slice[keepaliveEntry] }

func (h *keepaliveHeap) len() int { return h.s.Len() }

func (h *keepaliveHeap) at(i int) *keepaliveEntry { return h.s.At(i) }

func (h *keepaliveHeap) push(e keepaliveEntry) {
	h.s.Push(e)
	h.up(h.s.Len() - 1)
}

// removeAt removes and returns the entry at index i.
func (h *keepaliveHeap) removeAt(i int) keepaliveEntry {
	e := *h.at(i)
	n := h.s.Len() - 1
	last := h.s.Pop()
	if i != n {
		h.set(i, last)
		h.down(i)
		h.up(i)
	}
	e.c.keepaliveSlot = 0
	return e
}

func (h *keepaliveHeap) set(i int, e keepaliveEntry) {
	*h.at(i) = e
	e.c.keepaliveSlot = int32(i + 1)
}

func (h *keepaliveHeap) up(i int) {
	e := *h.at(i)
	for i > 0 {
		p := (i - 1) / 2
		if h.at(p).at <= e.at {
			break
		}
		h.set(i, *h.at(p))
		i = p
	}
	h.set(i, e)
}

func (h *keepaliveHeap) down(i int) {
	e := *h.at(i)
	n := h.s.Len()
	for {
		k := 2*i + 1
		if k >= n {
			break
		}
		if k+1 < n && h.at(k+1).at < h.at(k).at {
			k++
		}
		if e.at <= h.at(k).at {
			break
		}
		h.set(i, *h.at(k))
		i = k
	}
	h.set(i, e)
}

// keepalive runs on its keepalive group's timer (no goroutine while idle): it
// pings an idle peer and drops it when no answer comes.
func (c *Conn) keepalive() {
	last := c.lastRead.Load()
	now := time.Now()
	c.mu.Lock()
	pinged, pingSent := c.has(flagPinged), c.pingSent
	if c.has(flagUPause|flagOPause) && !c.has(flagEnded) {
		// Reading is paused: a pong would stay unread, and the peer is
		// held back by us, not silent. Look again later; ResumeRead
		// restamps lastRead (resumed).
		keepaliveOf(c).schedule(c, c.opts.PingInterval)
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	act, next := kaPlan(c.opts, c.clock, now, last, pinged, pingSent, c.msgStart.Load())
	switch act {
	case kaMessageTimeout:
		c.debug("ws: message timeout")
		_ = c.Close(StatusPolicyViolation, "message not completed in time")
		return
	case kaPingTimeout:
		c.debug("ws: ping timeout")
		c.drop(ErrPingTimeout)
		return
	case kaPing:
		c.ping(now, next)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.setFlag(flagPinged, act != kaWait)
	if !c.has(flagEnded) {
		keepaliveOf(c).schedule(c, next)
	}
}

// ping sends the keepalive's ping, whose timeout runs from now whether or
// not the ping can go out at once: the check in next (PingTimeout) is
// scheduled first. In pull mode the ping waits for the frame lock, which
// a write with no deadline of its own holds for as long as the peer reads
// nothing; that check then drops the connection, which ends the write
// (and this ping's wait). Until the ping is written no other is sent, so
// that a stuck write holds at most one keepalive goroutine.
func (c *Conn) ping(now time.Time, next time.Duration) {
	c.mu.Lock()
	if c.has(flagEnded | flagCloseSent) {
		// No ping may follow the close frame; the close handshake has a
		// deadline of its own.
		c.mu.Unlock()
		return
	}
	c.setFlag(flagPinged, true)
	c.pingSent = c.clock.stamp(now)
	keepaliveOf(c).schedule(c, next)
	if c.has(flagKAWrite) {
		c.mu.Unlock()
		return // the last ping still waits to be written
	}
	c.setFlag(flagKAWrite, true)
	if c.push { // only push mode reads it (quietPong)
		c.setFlag(flagKAPing, true)
	}
	c.mu.Unlock()
	_ = c.writeControl(OpPing, nil) // a failed write ended the connection
	c.mu.Lock()
	c.setFlag(flagKAWrite, false)
	c.mu.Unlock()
}

// kaAction is what a keepalive check does (kaPlan).
type kaAction uint8

const (
	kaWait           kaAction = iota // nothing: no ping is unanswered
	kaWaitPong                       // nothing: the ping sent earlier is unanswered
	kaPing                           // send a ping (now)
	kaPingTimeout                    // drop the connection: the ping went unanswered
	kaMessageTimeout                 // close the connection: the message under way took too long
)

// kaPlan is a keepalive check of a connection with Options o and stamp
// clock at now: last is its lastRead, pingSent the time of its unanswered
// ping if pinged, msgStart its msgStart (all stamps of clock). It returns
// what to do and, unless the connection ends, when to check again.
//
// The stamps stand for their time rounded down to the unit, so a ping or
// a timeout may come up to one unit early, never more, and is never
// missed. (A message begun at a stamp of 0 is stamped a unit later, see
// msgStamp: its timeout may come up to a unit late.) An input answers the
// ping if its stamp is not below the ping's: a pong in the ping's own
// unit counts. So that the input before the ping cannot count as well, a
// ping is never sent in the unit of the last input: it waits for the next
// unit (which only a PingInterval under a unit can come to).
func kaPlan(o *Options, clock stampClock, now time.Time, last uint32, pinged bool, pingSent, msgStart uint32) (kaAction, time.Duration) {
	interval, timeout := o.PingInterval, o.PingTimeout
	msgLeft := time.Duration(-1) // until the message under way times out
	if msgStart != 0 && o.MessageTimeout > 0 {
		msgLeft = o.MessageTimeout - now.Sub(clock.time(msgStart, now))
		if msgLeft <= 0 {
			return kaMessageTimeout, 0
		}
	}
	lastT := clock.time(last, now)
	var pingT time.Time // zero: no ping unanswered
	if timeout <= 0 {
		// PingTimeout off (negative, resolved to 0): no answer is
		// awaited; an idle peer is pinged again every interval.
		timeout, pinged = interval, false
	}
	if pinged {
		if pingT = clock.time(pingSent, now); !lastT.Before(pingT) {
			pingT = time.Time{} // answered
		}
	}
	var act kaAction
	var next time.Duration
	switch {
	case !pingT.IsZero() && now.Sub(pingT) >= timeout:
		return kaPingTimeout, 0
	case !pingT.IsZero():
		act, next = kaWaitPong, timeout-now.Sub(pingT)
	case now.Sub(lastT) >= interval && clock.stamp(now) != last:
		act, next = kaPing, timeout
	case now.Sub(lastT) >= interval:
		act, next = kaWait, clock.unit() // see above
	default:
		act, next = kaWait, interval-now.Sub(lastT)
	}
	if msgLeft > 0 && msgLeft < next {
		next = msgLeft
	}
	return act, next
}

// stampClock is the unit of a Conn's time stamps (lastRead, msgStart,
// pingSent), which keep a time in 32 bits: wall-clock time in units of
// 2^k nanoseconds (k is the stampClock), modulo 2^32. The unit is the
// smallest power of two of at least 2^20 ns (about a millisecond) with
// the longest span a keepalive check measures under 2^28 units (clockFor):
// a check reads a stamp at most about that span after it was taken (it
// is due by then), far within the 2^31 units a signed 32-bit difference
// reaches (at least 8 spans, and at least 2^51 ns: 26 days). The time a
// stamp gives back is rounded down to the unit. (A power of two, so that
// taking a stamp is a shift: Feed takes one per input.)
type stampClock uint8

// clockFor returns the stamp clock of connections with Options o
// (resolved): its span is the longest of PingInterval + PingTimeout (from
// the input before a ping to the check that finds the ping unanswered)
// and MessageTimeout (a message begun just after a check is looked at by
// the next, at most PingInterval or PingTimeout later, or sooner: when
// its MessageTimeout is up).
func clockFor(o *Options) stampClock {
	ka := o.PingInterval + o.PingTimeout
	if ka < o.PingInterval { // overflow
		ka = math.MaxInt64
	}
	return clockForSpan(max(ka, o.MessageTimeout))
}

// clockForSpan returns the stampClock for a span.
func clockForSpan(span time.Duration) stampClock {
	return stampClock(max(20, bits.Len64(uint64(max(span, 0)))-28))
}

// unit returns the clock's unit.
func (k stampClock) unit() time.Duration { return 1 << k }

// stamp returns t as a stamp.
func (k stampClock) stamp(t time.Time) uint32 { return uint32(t.UnixNano() >> k) }

// msgStamp returns t as a msgStart stamp, which is never 0 (0 is "no
// message"): one unit later then.
func (k stampClock) msgStamp(t time.Time) uint32 { return max(k.stamp(t), 1) }

// time returns the time that stamp s stands for, s being from within 2^31
// units of now (either side).
func (k stampClock) time(s uint32, now time.Time) time.Time {
	n := now.UnixNano() >> k
	return time.Unix(0, (n-int64(int32(uint32(n)-s)))<<k)
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
