//go:build (linux || darwin || freebsd || netbsd || openbsd || dragonfly) && !eventloop_goroutines

package eventloop

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestWheelChunkLists: many connections in the same slots, more than a
// chunk holds and in random order, each expire once, in the firing that
// covers their deadline (not earlier, at most a tick later), whatever the
// deadlines moved to meanwhile (later: no new entry; earlier: a stale one
// is left behind).
func TestWheelChunkLists(t *testing.T) {
	const tick = int64(time.Millisecond * 10)
	lp := &loop{cfg: &Config{}, now: tick}
	lp.wheel.init(tick, lp.now)
	rng := rand.New(rand.NewPCG(5, 6))
	const n = 5000
	conns := make([]*Conn, n)
	want := make([]int64, n)
	index := map[*Conn]int{}
	for i := range conns {
		c := &Conn{lp: lp}
		c.storeState(stateOpen)
		want[i] = lp.now + int64(rng.IntN(40))*tick + int64(rng.IntN(int(tick)))
		lp.setDeadline(c, want[i])
		lp.arm(c)
		conns[i], index[c] = c, i
	}
	// A third move: half later, half earlier.
	for i := range n / 3 {
		if i%2 == 0 {
			want[i] += 7 * tick
		} else {
			want[i] = max(lp.now+1, want[i]-5*tick)
		}
		lp.setDeadline(conns[i], want[i])
		lp.arm(conns[i])
	}
	fired := make([]int64, n)
	for lp.now < 60*tick {
		lp.now += tick / 3
		lp.wheel.advance(lp.now, func(c *Conn) {
			i := index[c]
			if fired[i] != 0 {
				t.Fatalf("connection %d expired twice", i)
			}
			fired[i] = lp.now
			c.storeState(stateClosed)
		})
	}
	for i := range n {
		// packTime rounds up to the millisecond.
		if fired[i] < want[i] || fired[i] > want[i]+tick+int64(time.Millisecond)+tick/3 {
			t.Fatalf("connection %d: due at %d, expired at %d", i, want[i], fired[i])
		}
	}
	if lp.wheel.count != 0 {
		t.Fatalf("%d entries left in the wheel", lp.wheel.count)
	}
	if lp.wheel.nfree == 0 || lp.wheel.nfree > wheelKeep {
		t.Fatalf("%d chunks kept for reuse, want 1..%d", lp.wheel.nfree, wheelKeep)
	}
}

// TestWheelReuseNoAllocs: once its chunks are there, filling and firing
// slots allocates nothing (the chunks of fired slots are reused).
func TestWheelReuseNoAllocs(t *testing.T) {
	const tick = int64(time.Millisecond)
	var w wheel
	w.init(tick, 0)
	lp := &loop{cfg: &Config{}}
	conns := make([]*Conn, 2000)
	for i := range conns {
		conns[i] = &Conn{lp: lp} // no deadline: each leaves the wheel when its slot fires
		conns[i].storeState(stateOpen)
	}
	now := int64(0)
	round := func() {
		for i, c := range conns {
			c.wheelAt = w.add(c, now+int64(i%20)*tick)
			c.flags |= fInWheel
		}
		now += 25 * tick
		w.advance(now, func(*Conn) {})
	}
	round()
	if allocs := testing.AllocsPerRun(10, round); allocs != 0 {
		t.Fatalf("%.1f allocations per round of 2,000 entries", allocs)
	}
}
