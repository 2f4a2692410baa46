//go:build linux && eventloop_goroutines

package eventloop

import (
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"
)

// blockedWriter serves one connection, dials it with a peer that reads
// nothing until the test says so, and has the loop send size bytes (from
// OnWritable after a Wake; h.writable is called after that). It returns
// the server's Conn once the writer goroutine is inside its write (it holds
// bytes in flight), and the peer. The server's socket has a send buffer of
// sndbuf bytes (0: the kernel's default), the peer's a receive buffer of
// 64 KiB, so the kernel takes little of the output. The peer is closed
// when the test ends, before the loop shuts down, which ends the write.
func blockedWriter(t *testing.T, cfg Config, size, sndbuf int, h *funcs) (*Conn, net.Conn) {
	t.Helper()
	conns := make(chan *Conn, 1)
	h.open = func(c *Conn) {
		if sndbuf > 0 {
			if err := c.nc.(*net.TCPConn).SetWriteBuffer(sndbuf); err != nil {
				t.Error(err)
			}
		}
		conns <- c
	}
	var sent atomic.Bool
	writable := h.writable
	h.writable = func(c *Conn) {
		if sent.CompareAndSwap(false, true) {
			if err := c.Send(make([]byte, size)); err != nil {
				t.Error(err)
			}
			return
		}
		if writable != nil {
			writable(c)
		}
	}
	_, addr := serve(t, cfg, h)
	peer := dialStd(t, addr)
	if err := peer.SetReadBuffer(64 << 10); err != nil {
		t.Fatal(err)
	}
	c := <-conns
	if err := c.Wake(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the writer to write", func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.inflight > 0
	})
	return c, peer
}

// TestWakeWhileWriterBlocked: Wake calls OnWritable while the writer
// goroutine is blocked writing to a peer that does not read, as a loop
// would (a ws.Conn's output queued off the loop is taken in that
// OnWritable). The fallback once called it on the writer goroutine, after
// the write returned: never, with this peer.
func TestWakeWhileWriterBlocked(t *testing.T) {
	woken := make(chan int, 1)
	c, _ := blockedWriter(t, Config{Loops: 1, WriteHighWatermark: 64 << 20}, 32<<20, 0, &funcs{
		writable: func(c *Conn) { woken <- c.Queued() },
	})
	if err := c.Wake(); err != nil {
		t.Fatal(err)
	}
	select {
	case q := <-woken:
		t.Logf("OnWritable with %d bytes queued", q)
	case <-time.After(5 * time.Second):
		t.Fatal("no OnWritable after Wake while the writer is blocked")
	}
}

// TestWantWritableCountsInFlight: WantWritable, called while every queued
// byte is in the writer's hands, arms OnWritable for when they are gone.
// It once looked only at the bytes the writer had not taken yet, did
// nothing, and the notification a waiting goroutine needed never came.
func TestWantWritableCountsInFlight(t *testing.T) {
	const size = 32 << 20
	var calls atomic.Int32
	drained := make(chan struct{})
	c, peer := blockedWriter(t, Config{Loops: 1, WriteHighWatermark: 64 << 20}, size, 0, &funcs{
		writable: func(c *Conn) {
			if calls.Add(1) == 1 {
				c.WantWritable() // from the Wake below, with the bytes in flight
				return
			}
			close(drained)
		},
	})
	if err := c.Wake(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "OnWritable after Wake", func() bool { return calls.Load() >= 1 })
	read := make(chan error, 1)
	go func() { _, err := io.CopyN(io.Discard, peer, size); read <- err }()
	select {
	case <-drained:
	case <-time.After(10 * time.Second):
		t.Fatalf("no OnWritable once the queue drained (%d calls, %d queued)", calls.Load(), c.Queued())
	}
	if err := <-read; err != nil {
		t.Fatal(err)
	}
}

// TestReadWhileWriterHoldsLessThanHigh: with SlowReaderPause, the
// connection goes on reading while the peer has not read the output, as
// long as what the kernel did not take stays within the high watermark.
// The pollers count only what the kernel refused; the fallback once
// counted the whole write under way, kernel's part included, and stopped
// reading (so a peer's ping went unanswered) at 46 bytes over the mark.
func TestReadWhileWriterHoldsLessThanHigh(t *testing.T) {
	const high = 256 << 10
	got := make(chan string, 1)
	c, peer := blockedWriter(t, Config{Loops: 1, WriteHighWatermark: high}, high+46, 16<<10, &funcs{
		data: func(_ *Conn, in []byte) int { got <- string(in); return len(in) },
	})
	if _, err := peer.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-got:
		if s != "ping" {
			t.Fatalf("OnData got %q", s)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("no OnData with %d bytes queued, high watermark %d", c.Queued(), high)
	}
}
