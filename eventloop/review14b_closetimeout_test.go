//go:build linux

package eventloop

import (
	"testing"
	"time"
)

// TestReviewCloseTimeoutReported: Close on a connection whose peer reads nothing gives up after
// Config.CloseTimeout, and OnClose says so with ErrTimeout (the output was not all sent), counted
// in Stats.Timeouts, on every backend (the goroutine fallback reported nil, a clean close).
func TestReviewCloseTimeoutReported(t *testing.T) {
	closed := make(chan error, 1)
	big := make([]byte, 1<<20)
	h := &funcs{
		open: func(c *Conn) {
			boundSendBuffer(c, 4096)
			c.Write(big) // far more than the peer's and our kernel buffers hold
			c.Close()
		},
		close: func(c *Conn, err error) { closed <- err },
	}
	l, addr := serve(t, Config{Loops: 1, CloseTimeout: 100 * time.Millisecond, WriteHighWatermark: 4 << 20}, h)
	c := dialStd(t, addr)
	c.SetReadBuffer(4096)
	select {
	case err := <-closed:
		if err != ErrTimeout {
			t.Fatalf("OnClose after the close timed out: %v, want ErrTimeout", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no OnClose 10 s after Close with a 100 ms CloseTimeout")
	}
	if n := l.Stats().Timeouts; n != 1 {
		t.Fatalf("Stats.Timeouts = %d, want 1", n)
	}
}
