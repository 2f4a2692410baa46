//go:build linux

package eventloop

import (
	"bufio"
	"bytes"
	"sync/atomic"
	"testing"
	"time"
)

// TestReviewAsyncWriteBeforeWakeWrite: what AsyncWrite accepted goes out ahead of what the
// OnWritable of a later Wake writes, also while the queue is above the high watermark (the pollers
// held the AsyncWrite data back until the queue drained, and the callback's write overtook it).
func TestReviewAsyncWriteBeforeWakeWrite(t *testing.T) {
	const high = 64 << 10
	conns := make(chan *Conn, 1)
	var asyncDone, wroteB atomic.Bool
	chunk := bytes.Repeat([]byte{'.'}, 16<<10)
	h := &funcs{
		open: func(c *Conn) {
			boundSendBuffer(c, 4096)
			for c.Queued() <= high {
				if _, err := c.Write(chunk); err != nil {
					t.Errorf("filling the queue: %v", err)
					break
				}
			}
			conns <- c
		},
		data: func(c *Conn, in []byte) int { return len(in) },
		writable: func(c *Conn) {
			if asyncDone.Load() && !wroteB.Swap(true) {
				if _, err := c.Write([]byte("B")); err != nil {
					t.Errorf("Write in OnWritable: %v", err)
				}
			}
		},
	}
	_, addr := serve(t, Config{Loops: 1, WriteHighWatermark: high}, h)
	cl := dialStd(t, addr)
	sc := <-conns
	if err := sc.AsyncWrite([]byte("A")); err != nil {
		t.Fatalf("AsyncWrite: %v", err)
	}
	asyncDone.Store(true)
	if err := sc.Wake(); err != nil {
		t.Fatalf("Wake: %v", err)
	}
	waitFor(t, "OnWritable to write B", wroteB.Load)
	cl.SetReadDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(cl)
	var order []byte
	for len(order) < 2 {
		b, err := r.ReadByte()
		if err != nil {
			t.Fatalf("read after %q: %v", order, err)
		}
		if b != '.' {
			order = append(order, b)
		}
	}
	if string(order) != "AB" {
		t.Fatalf("the peer got %q: the OnWritable's write overtook AsyncWrite's data", order)
	}
}
