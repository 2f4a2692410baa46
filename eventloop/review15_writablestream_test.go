//go:build linux

package eventloop

import (
	"bytes"
	"io"
	"testing"
	"time"
)

// TestOnWritableAfterQueuePassedHigh: a producer that writes while Queued() is at or below the
// high watermark, and otherwise waits for OnWritable ("called when the write queue drained below
// the low watermark after it had passed the high one"), streams to the end on every backend. On
// the goroutine fallback a write to an empty queue that took it past the high watermark, and any
// Send that did, armed no OnWritable: the producer waited forever (the pollers arm it whenever a
// write leaves the queue above the high watermark).
func TestOnWritableAfterQueuePassedHigh(t *testing.T) {
	const high, total = 64 << 10, 4 << 20
	msg := pattern(0, total)
	for _, how := range []string{"Write", "Send"} {
		t.Run(how, func(t *testing.T) {
			sent := 0
			produce := func(c *Conn) {
				for sent < total && c.Queued() <= high {
					chunk := msg[sent:min(sent+high*3/2, total)]
					var err error
					if how == "Write" {
						_, err = c.Write(chunk)
					} else {
						err = c.Send(chunk)
					}
					if err != nil {
						t.Errorf("%s at %d: %v (queued %d)", how, sent, err, c.Queued())
						c.Close()
						return
					}
					sent += len(chunk)
				}
				if sent == total {
					c.Close()
				}
			}
			h := &funcs{open: produce, writable: produce}
			_, addr := serve(t, Config{Loops: 1, WriteHighWatermark: high}, h)
			cl := dialStd(t, addr)
			cl.SetDeadline(time.Now().Add(5 * time.Second))
			got, err := io.ReadAll(cl)
			if err != nil || !bytes.Equal(got, msg) {
				t.Fatalf("peer got %d of %d bytes (%v): the producer waited for an OnWritable that never came", len(got), total, err)
			}
		})
	}
}
