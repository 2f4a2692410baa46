//go:build linux

package eventloop

import (
	"errors"
	"testing"
	"time"
)

// TestReviewSendSlowReaderClose: Send skips Write's admission, but the
// slow-reader policy still applies to the queue that results, on every
// backend: with SlowReaderClose a connection whose queue passes the high
// watermark for a peer that reads nothing closes with ErrSlowReader. (The
// goroutine fallback's Send applied no policy: its queue grew without
// bound and the connection stayed open.)
func TestReviewSendSlowReaderClose(t *testing.T) {
	closed := make(chan error, 1)
	h := &funcs{
		data: func(c *Conn, in []byte) int {
			for range 512 { // 32 MiB at most: far more than the kernel's buffers take
				if err := c.Send(make([]byte, 64<<10)); err != nil {
					break
				}
			}
			return len(in)
		},
		close: func(c *Conn, err error) { closed <- err },
	}
	_, addr := serve(t, Config{Loops: 1, WriteHighWatermark: 128 << 10, SlowReader: SlowReaderClose}, h)
	c := dialStd(t, addr)
	_ = c.SetReadBuffer(64 << 10)
	if _, err := c.Write([]byte("go")); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-closed:
		if !errors.Is(err, ErrSlowReader) {
			t.Fatalf("OnClose: %v, want ErrSlowReader", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the connection stayed open with its queue far past the high watermark")
	}
}
