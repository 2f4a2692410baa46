//go:build (linux || darwin || freebsd || netbsd || openbsd || dragonfly) && !eventloop_goroutines

package eventloop

import (
	"context"
	"math"
	"testing"
	"time"
)

// wrapNs is the loop time at which the 32-bit millisecond counter of
// packTime wraps: about 49.7 days.
const wrapNs = int64(1<<32) * msNanos

// TestPackTimeWraps: a 32-bit time reads back, never earlier and less than
// a millisecond later, when it is stored and read on either side of a wrap
// of the counter (a server runs for months), read as late as the wheel may
// read it; a time too far ahead is refused, and one in the past is now.
func TestPackTimeWraps(t *testing.T) {
	const day = int64(24 * time.Hour)
	for _, now := range []int64{
		1, day, wrapNs - 3*msNanos, wrapNs - 1, wrapNs, wrapNs + 1, 3*wrapNs - day - 7, 40 * wrapNs,
	} {
		for _, ahead := range []int64{
			-day, -1, 0, 1, msNanos - 1, msNanos, msNanos + 1, 5 * msNanos, day, 12 * day,
			(nearMs - 1) * msNanos,
		} {
			at := now + ahead
			tm, ok := packTime(at, now)
			if !ok || tm == 0 {
				t.Fatalf("packTime(now%+d) at %d = %d, %v", ahead, now, tm, ok)
			}
			want := max(at, now)
			for _, later := range []int64{0, msNanos, max(ahead, 0), max(ahead, 0) + maxTick} {
				got := unpackTime(tm, now+later)
				if got < want || got >= want+2*msNanos {
					t.Errorf("now %d, at now%+d, read at now+%d: %d, want %d (+<2ms)", now, ahead, later, got, want)
				}
			}
		}
		for _, ahead := range []int64{nearMs*msNanos + msNanos, 30 * day, math.MaxInt64 - now} {
			if tm, ok := packTime(now+ahead, now); ok {
				t.Errorf("packTime(now+%d) at %d = %d, want refused (too far ahead)", ahead, now, tm)
			}
		}
	}
}

// TestTimesAcrossWraps runs a loop's timing wheel over 120 days of loop
// time, from just before a wrap of the 32-bit millisecond counter, with
// deadlines and idle times near, across the wraps, too far ahead for 32
// bits (kept in connIO) and at the end of time: each connection expires at
// the first look of the wheel at or after its time, never before.
func TestTimesAcrossWraps(t *testing.T) {
	const (
		day  = int64(24 * time.Hour)
		tick = int64(time.Minute)
		step = 7 * tick // how far loop time moves between polls
	)
	start := wrapNs - int64(time.Hour)
	lp := &loop{cfg: &Config{}, now: start}
	lp.wheel.init(tick, start)
	type tc struct {
		name     string
		deadline int64 // loop time; 0: none
		idle     int64 // the loop's idle timeout for this connection; 0: none
		far      bool  // too far ahead for 32 bits
	}
	cases := []tc{
		{name: "past", deadline: start - day},
		{name: "now", deadline: start},
		{name: "before-wrap", deadline: wrapNs - msNanos},
		{name: "after-wrap", deadline: wrapNs + msNanos},
		{name: "10d", deadline: start + 10*day + 123},
		{name: "12d-edge", deadline: start + nearMs*msNanos},
		{name: "30d-far", deadline: start + 30*day + 456, far: true},
		{name: "100d-far-two-wraps", deadline: start + 100*day + 789, far: true},
		{name: "idle-5d", idle: 5 * day},
		{name: "idle-60d-far", idle: 60 * day, far: true},
		{name: "idle-and-deadline", deadline: start + 3*day, idle: 2 * day},
		{name: "end-of-time", deadline: math.MaxInt64, far: true},
	}
	conns := make([]*Conn, len(cases))
	fired := make([]int64, len(cases))
	index := map[*Conn]int{}
	for i, k := range cases {
		c := &Conn{lp: lp}
		c.storeState(stateOpen)
		lp.setDeadline(c, k.deadline)
		if k.idle > 0 {
			lp.idle = k.idle
			lp.touchIdle(c)
			lp.idle = 0
		}
		if far := c.flags&(fFarDeadline|fFarIdle) != 0; far != k.far {
			t.Errorf("%s: kept far ahead: %v, want %v", k.name, far, k.far)
		}
		lp.arm(c)
		conns[i], index[c] = c, i
	}
	end := start + 120*day
	for lp.now < end {
		lp.now += step
		lp.wheel.advance(lp.now, func(c *Conn) {
			i := index[c]
			if fired[i] != 0 {
				t.Errorf("%s expired twice", cases[i].name)
			}
			fired[i] = lp.now
			c.storeState(stateClosed)
		})
	}
	for i, k := range cases {
		at := k.deadline
		if k.idle > 0 && (at == 0 || start+k.idle < at) {
			at = start + k.idle
		}
		at = max(at, start)
		switch {
		case at == math.MaxInt64:
			if fired[i] != 0 {
				t.Errorf("%s: expired at %d", k.name, fired[i])
			}
		case fired[i] == 0:
			t.Errorf("%s: never expired (due at %d)", k.name, at)
		case fired[i] < at:
			t.Errorf("%s: expired %v early", k.name, time.Duration(at-fired[i]))
		case fired[i] > at+tick+step+msNanos:
			t.Errorf("%s: expired %v late", k.name, time.Duration(fired[i]-at))
		}
	}
}

// TestSetDeadlineFar: SetDeadline beyond what 32 bits of milliseconds hold
// keeps the deadline in full, and one at the end of time (where loop time
// plus the wait overflows) is never rather than now.
func TestSetDeadlineFar(t *testing.T) {
	lp := &loop{cfg: &Config{}, epoch: time.Now()}
	lp.now = lp.nanotime()
	lp.wheel.init(int64(time.Second), lp.now)
	for _, d := range []time.Duration{time.Hour, 40 * 24 * time.Hour, 100 * 365 * 24 * time.Hour} {
		c := &Conn{lp: lp}
		c.storeState(stateOpen)
		before := lp.nanotime()
		if err := c.SetDeadline(time.Now().Add(d)); err != nil {
			t.Fatal(err)
		}
		after := lp.nanotime()
		// SetDeadline reads the clock twice (loop time, then time.Until),
		// so the deadline may come out short by as much as the call took.
		if e := c.expiry(); e < before+int64(d)-(after-before) || e > after+int64(d)+msNanos {
			t.Errorf("SetDeadline(now+%v): expiry in %v (the call took %v)", d, time.Duration(e-before), time.Duration(after-before))
		}
	}
	c := &Conn{lp: lp}
	c.storeState(stateOpen)
	if err := c.SetDeadline(time.Unix(1<<62, 0)); err != nil {
		t.Fatal(err)
	}
	if e := c.expiry(); e != math.MaxInt64 {
		t.Errorf("SetDeadline(the end of time): expiry %d, want %d", e, int64(math.MaxInt64))
	}
	lp.now += int64(lp.wheel.tick) * (wheelSlots + 3)
	lp.wheel.advance(lp.now, func(*Conn) { t.Error("a deadline at the end of time expired") })
}

// TestTimeoutsNearEndOfTime: timeouts so long that loop time plus them
// overflows are never, not now; a tick coarser than maxTick is bounded, so
// that the wheel reads a 32-bit time soon enough after it.
func TestTimeoutsNearEndOfTime(t *testing.T) {
	l, err := New(Config{Loops: 1, IdleTimeout: math.MaxInt64, TimerResolution: 400 * 24 * time.Hour}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Shutdown(context.Background())
	lp := l.loops[0]
	if lp.wheel.tick != maxTick {
		t.Errorf("tick %v, want %v", time.Duration(lp.wheel.tick), time.Duration(maxTick))
	}
	lp.now = 5 * wrapNs
	c := &Conn{lp: lp}
	c.storeState(stateOpen)
	lp.touchIdle(c)
	if e := c.expiry(); e != math.MaxInt64 {
		t.Errorf("idle timeout %v: expiry %d, want %d", time.Duration(lp.idle), e, int64(math.MaxInt64))
	}
}
