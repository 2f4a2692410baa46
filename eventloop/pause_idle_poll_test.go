//go:build (linux || darwin || freebsd || netbsd || openbsd || dragonfly) && !eventloop_goroutines

package eventloop

import (
	"testing"
	"time"
)

// TestPauseUndoneBeforeSyncKeepsIdle: a PauseRead and a ResumeRead from
// another goroutine that both come before the loop handles the first one's
// wake-up, while the timing wheel looks at the connection in between (its
// slot fires in the same turn), leave the connection's idle timeout
// running: it still expires after IdleTimeout without input, and its
// 32-bit idle time is not left outside the wheel, unread.
func TestPauseUndoneBeforeSyncKeepsIdle(t *testing.T) {
	const (
		tick = int64(10 * time.Millisecond)
		idle = int64(time.Second)
	)
	start := int64(time.Hour)
	lp := &loop{cfg: &Config{}, now: start, idle: idle}
	lp.wheel.init(tick, start)
	// A wake-up is pending already: enqueue only lists the connection (this
	// loop has no poller to wake).
	lp.wakePending.Store(true)
	c := &Conn{lp: lp}
	c.storeState(stateOpen)
	lp.touchIdle(c)
	expired := false
	expire := func(*Conn) { expired = true }

	c.PauseRead() // another goroutine; the loop has not handled its wake-up yet
	lp.now = start + idle + 2*tick
	lp.wheel.advance(lp.now, expire) // the idle time came while the pause was requested
	if expired {
		t.Fatal("expired while PauseRead was requested")
	}
	c.ResumeRead() // undone before the loop handled the wake-up
	lp.handleWakes()

	for end := lp.now + 3*idle; lp.now < end && !expired; {
		lp.now += tick
		lp.wheel.advance(lp.now, expire)
	}
	if !expired {
		t.Fatalf("no idle timeout %v after a PauseRead undone before the loop saw it (in the wheel: %v, idle time set: %v)",
			time.Duration(3*idle), c.flags&fInWheel != 0, c.idleAt != 0)
	}
}
