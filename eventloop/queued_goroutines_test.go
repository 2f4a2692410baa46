//go:build linux && eventloop_goroutines

package eventloop

import (
	"io"
	"testing"
)

// TestQueuedCountsInFlight: on the goroutine fallback, Queued includes the
// bytes the writer goroutine is writing to a peer that stopped reading (on
// the pollers the kernel holds its part and the queue the rest). The
// writer once took the queue out to write it, and Queued fell to 0 while
// the write was stuck, so a ws.Conn counting the driver's bytes let its
// writers go on. (Queued may be called from any goroutine here; on the
// pollers only on the loop.)
func TestQueuedCountsInFlight(t *testing.T) {
	const total, read = 64 << 20, 1 << 20
	conns := make(chan *Conn, 1)
	_, addr := serve(t, Config{Loops: 1, WriteHighWatermark: total * 2}, &funcs{open: func(c *Conn) {
		if _, err := c.Write(make([]byte, total)); err != nil {
			t.Error(err)
		}
		conns <- c
	}})
	peer := dialStd(t, addr)
	c := <-conns
	// The write is under way once the peer got its first MiB; then it
	// reads no more.
	if _, err := io.ReadFull(peer, make([]byte, read)); err != nil {
		t.Fatal(err)
	}
	// Loopback's socket buffers hold at most some 10 MiB (tcp_wmem and
	// tcp_rmem maxima); the rest must still be counted.
	if q, want := c.Queued(), total-read-16<<20; q < want {
		t.Fatalf("Queued() = %d with a peer that stopped reading, want ≥ %d", q, want)
	}
}
