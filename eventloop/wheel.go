//go:build (linux || darwin || freebsd || netbsd || openbsd || dragonfly) && !eventloop_goroutines

package eventloop

// wheel is a hashed timing wheel of connections. A connection is due in one slot (Conn.wheelAt, a
// slot firing's sequence number, valid while Conn.flags has fInWheel); when that slot comes round the loop looks at the connection's current expiry (deadline or idle
// time, which move later without touching the wheel) and either expires it or puts it back further
// on. An expiry moved earlier adds an entry in an earlier slot and leaves the old one stale.
// Removing a connection costs nothing: a closed one is dropped when its slot comes round.
type wheel struct {
	tick  int64 // nanoseconds per slot
	slots [][]*Conn
	pos   int    // slot that fires at next
	next  int64  // loop time at which slot pos fires
	seq   uint32 // sequence number of that firing: one more for each firing, wrapping
	count int
}

const wheelSlots = 512

func (w *wheel) init(tick, now int64) {
	w.tick = tick
	w.slots = make([][]*Conn, wheelSlots)
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
	w.slots[i] = append(w.slots[i], c)
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
		s := w.slots[w.pos]
		w.slots[w.pos] = nil
		w.count -= len(s)
		w.pos = (w.pos + 1) % wheelSlots
		w.next += w.tick
		w.seq++
		for _, c := range s {
			if c.flags&fInWheel == 0 || c.wheelAt != fired || c.loadState() == stateClosed {
				// A stale entry: the connection moved to an earlier slot, or it is gone.
				continue
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
		if w.count == 0 && w.next < now {
			// Nothing is waiting: jump instead of walking every empty slot.
			w.next = now + w.tick
		}
	}
}
