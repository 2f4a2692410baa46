//go:build linux

package eventloop

import (
	"errors"
	"testing"
	"time"
)

// TestIdleTimeoutWhileSlowReaderPaused: a peer that neither reads nor sends, while the slow-reader
// pause (the default policy) stops reading, is closed by the idle timeout, on every backend. The
// goroutine fallback's reader waited for the queue to drain without any clock, so the connection,
// its queue and its two goroutines stayed forever although IdleTimeout was set; the epoll loop
// closed it with ErrTimeout.
func TestIdleTimeoutWhileSlowReaderPaused(t *testing.T) {
	const high = 64 << 10
	closed := make(chan error, 1)
	queued := make(chan int, 1)
	h := &funcs{
		open: func(c *Conn) {
			if _, err := c.Write(make([]byte, 16<<20)); err != nil {
				t.Errorf("Write: %v", err)
			}
			queued <- c.Queued()
		},
		close: func(c *Conn, err error) { closed <- err },
	}
	cfg := Config{Loops: 1, WriteHighWatermark: high, IdleTimeout: 300 * time.Millisecond, TimerResolution: 10 * time.Millisecond}
	l, addr := serve(t, cfg, h)
	cl := dialStd(t, addr)
	cl.SetReadBuffer(16 << 10)
	if q := <-queued; q <= high {
		t.Skipf("the kernel took all but %d bytes: no slow-reader pause to test", q)
	}
	select {
	case err := <-closed:
		if !errors.Is(err, ErrTimeout) {
			t.Fatalf("OnClose: %v, want ErrTimeout", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a peer that neither reads nor sends outlived IdleTimeout (300 ms) by 5 s")
	}
	if n := l.Stats().Timeouts; n != 1 {
		t.Errorf("Stats.Timeouts = %d, want 1", n)
	}
}
