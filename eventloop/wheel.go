//go:build (linux || darwin || freebsd || netbsd || openbsd || dragonfly) && !eventloop_goroutines

package eventloop

import "time"

// wheel is a hashed timing wheel of connections. A connection is due in one slot (Conn.wheelAt, a
// slot firing's sequence number, valid while Conn.flags has fInWheel); when that slot comes round the loop looks at the connection's current expiry (deadline or idle
// time, which move later without touching the wheel) and either expires it or puts it back further
// on. An expiry moved earlier adds an entry in an earlier slot and leaves the old one stale.
// Removing a connection costs nothing: a closed one is dropped when its slot comes round.
//
// A slot holds its entries in a list of fixed chunks, and a fired slot's chunks are kept for reuse
// (up to wheelKeep of them): a burst of connections, each with a handshake deadline, fills slots
// without the doubling garbage of slices, whose free pages stayed with the process.
type wheel struct {
	tick  int64 // nanoseconds per slot
	slots []*wheelChunk
	pos   int    // slot that fires at next
	next  int64  // loop time at which slot pos fires
	seq   uint32 // sequence number of that firing: one more for each firing, wrapping
	count int
	free  *wheelChunk // fired chunks kept for reuse
	nfree int
}

const wheelSlots = 512

// wheelChunk is a piece of a slot's list: 256 bytes, a size class of Go's allocator.
type wheelChunk struct {
	next  *wheelChunk
	n     int
	conns [wheelChunkLen]*Conn
}

const (
	wheelChunkLen = 30
	wheelKeep     = 256 // chunks kept for reuse: 64 KiB
)

func (w *wheel) init(tick, now int64) {
	w.tick = tick
	w.slots = make([]*wheelChunk, wheelSlots)
	w.next = now + tick
}

// add puts c in the slot that fires at or after at and returns that firing's sequence number.
func (w *wheel) add(c *Conn, at int64) uint32 {
	d := int64(0)
	if at > w.next {
		d = (at - w.next + w.tick - 1) / w.tick
	}
	if d >= wheelSlots {
		d = wheelSlots - 1
	}
	i := (w.pos + int(d)) % wheelSlots
	h := w.slots[i]
	if h == nil || h.n == wheelChunkLen {
		nc := w.free
		if nc != nil {
			w.free, w.nfree = nc.next, w.nfree-1
		} else {
			nc = new(wheelChunk)
		}
		nc.next = h
		w.slots[i], h = nc, nc
	}
	h.conns[h.n] = c
	h.n++
	w.count++
	return w.seq + uint32(d)
}

// due returns the loop time of firing seq: one that has not come yet (at most wheelSlots ahead) or
// the one advance is handling (one behind), so the wrapped difference, signed, is its distance.
func (w *wheel) due(seq uint32) int64 {
	return w.next + int64(int32(seq-w.seq))*w.tick
}

// advance fires every slot due at now; expire is called for each connection whose expiry passed,
// after it left the wheel.
func (w *wheel) advance(now int64, expire func(c *Conn)) {
	for w.next <= now {
		fired := w.seq
		ch := w.slots[w.pos]
		w.slots[w.pos] = nil
		w.pos = (w.pos + 1) % wheelSlots
		w.next += w.tick
		w.seq++
		for ch != nil {
			w.count -= ch.n
			for _, c := range ch.conns[:ch.n] {
				w.look(c, fired, now, expire)
			}
			next := ch.next
			w.recycle(ch)
			ch = next
		}
		if w.count == 0 && w.next < now {
			// Nothing is waiting: jump instead of walking every empty slot.
			w.next = now + w.tick
		}
	}
}

// look handles c, found in the slot of firing fired: a stale entry is dropped; else c expires, or
// goes back into the wheel at its expiry, or leaves it if it has none.
func (w *wheel) look(c *Conn, fired uint32, now int64, expire func(c *Conn)) {
	if c.flags&fInWheel == 0 || c.wheelAt != fired || c.loadState() == stateClosed {
		// A stale entry: the connection moved to an earlier slot, or it is gone.
		return
	}
	c.flags &^= fInWheel
	at := c.expiry()
	switch {
	case at == 0:
	case at <= now:
		expire(c)
	default:
		c.wheelAt = w.add(c, at)
		c.flags |= fInWheel
	}
}

// recycle keeps a fired chunk for reuse, if fewer than wheelKeep are kept; it holds no connection
// for the GC either way.
func (w *wheel) recycle(ch *wheelChunk) {
	clear(ch.conns[:ch.n])
	if w.nfree >= wheelKeep {
		return
	}
	ch.n = 0
	ch.next, w.free = w.free, ch
	w.nfree++
}

// A connection keeps its deadline and idle time (Conn.deadline, Conn.idleAt)
// in 32 bits: a loop time in milliseconds, rounded up, so it never fires
// early. The counter wraps every 49.7 days, which a server outlives, so a
// value is read against the loop's current time: correct while the two
// are less than 2^31 ms (24.8 days) apart. They are: a time is stored at
// most nearMs ahead (a later one goes to connIO, in full, with
// fFarDeadline or fFarIdle), and the wheel looks at a connection no later
// than one tick (at most maxTick) after its time, and closes it then.
// While PauseRead applies the idle time is not kept (see syncPause).
const (
	msNanos = int64(time.Millisecond)
	nearMs  = 1 << 30                // about 12.4 days
	maxTick = int64(1<<29) * msNanos // bound on the wheel's tick (TimerResolution), about 6.2 days
)

// packTime returns loop time at (> 0) as milliseconds in 32 bits, never 0
// (which means none), and false when at is more than nearMs ahead of now. A
// time before now is taken as now: it is due either way.
func packTime(at, now int64) (uint32, bool) {
	at = max(at, now)
	m := (at-1)/msNanos + 1
	if m-now/msNanos > nearMs {
		return 0, false
	}
	if uint32(m) == 0 {
		m++ // one millisecond later rather than none
	}
	return uint32(m), true
}

// unpackTime returns the loop time of t, a packTime result, read against
// now: the wrapped difference, signed, is its distance from now.
func unpackTime(t uint32, now int64) int64 {
	base := now / msNanos
	return (base + int64(int32(t-uint32(base)))) * msNanos
}
