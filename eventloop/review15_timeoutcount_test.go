//go:build linux

package eventloop

import (
	"errors"
	"testing"
	"time"
)

// TestTimeoutsCountsOneClose: Stats.Timeouts counts connections closed by a deadline or a timeout,
// once each. A deadline that passes while a Close drains output (which it does not cut short)
// is not one; the close that CloseTimeout ends is. The goroutine fallback counted the deadline's
// timer too: 2 for one connection.
func TestTimeoutsCountsOneClose(t *testing.T) {
	closed := make(chan error, 1)
	h := &funcs{
		open: func(c *Conn) {
			c.Write(make([]byte, 8<<20)) // the peer reads none of it
			c.SetDeadline(time.Now().Add(50 * time.Millisecond))
			c.Close()
		},
		close: func(c *Conn, err error) { closed <- err },
	}
	cfg := Config{Loops: 1, CloseTimeout: 500 * time.Millisecond, TimerResolution: 10 * time.Millisecond}
	l, addr := serve(t, cfg, h)
	cl := dialStd(t, addr)
	cl.SetReadBuffer(16 << 10)
	if err := <-closed; !errors.Is(err, ErrTimeout) {
		t.Fatalf("OnClose: %v, want ErrTimeout (CloseTimeout passed with output left)", err)
	}
	if n := l.Stats().Timeouts; n != 1 {
		t.Fatalf("Stats.Timeouts = %d for one connection closed by CloseTimeout, want 1", n)
	}
}
