//go:build (linux || darwin || freebsd || netbsd || openbsd || dragonfly) && !eventloop_goroutines

package eventloop

// wheel is a hashed timing wheel of connections. A connection is due in one slot (Conn.wheelAt);
// when that slot comes round the loop looks at the connection's current expiry (deadline or idle
// time, which move later without touching the wheel) and either expires it or puts it back further
// on. An expiry moved earlier adds an entry in an earlier slot and leaves the old one stale.
// Removing a connection costs nothing: a closed one is dropped when its slot comes round.
type wheel struct {
	tick  int64 // nanoseconds per slot
	slots [][]*Conn
	pos   int   // slot that fires at next
	next  int64 // loop time at which slot pos fires
	count int
}

const wheelSlots = 512

func (w *wheel) init(tick, now int64) {
	w.tick = tick
	w.slots = make([][]*Conn, wheelSlots)
	w.next = now + tick
}

// add puts c in the slot that fires at or after at and returns that slot's firing time.
func (w *wheel) add(c *Conn, at int64) int64 {
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
	return w.next + d*w.tick
}

// advance fires every slot due at now; expire is called for each connection whose expiry passed,
// after it left the wheel.
func (w *wheel) advance(now int64, expire func(c *Conn)) {
	for w.next <= now {
		fired := w.next
		s := w.slots[w.pos]
		w.slots[w.pos] = nil
		w.count -= len(s)
		w.pos = (w.pos + 1) % wheelSlots
		w.next += w.tick
		for _, c := range s {
			if c.wheelAt != fired || c.state.Load() == stateClosed {
				// A stale entry: the connection moved to an earlier slot, or it is gone.
				continue
			}
			c.wheelAt = 0
			at := c.expiry()
			switch {
			case at == 0:
			case at <= now:
				expire(c)
			default:
				c.wheelAt = w.add(c, at)
			}
		}
		if w.count == 0 && w.next < now {
			// Nothing is waiting: jump instead of walking every empty slot.
			w.next = now + w.tick
		}
	}
}
