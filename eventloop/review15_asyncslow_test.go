//go:build linux

package eventloop

import (
	"errors"
	"testing"
	"time"
)

// TestAsyncWriteSlowReaderClose: with SlowReaderClose, a producer that writes with AsyncWrite to a
// peer that reads nothing gets the connection closed with ErrSlowReader, on every backend, as a
// callback's writes do. The goroutine fallback never applied the policy to AsyncWrite: the
// producer got ErrQueueFull forever and the connection stayed open (the epoll loop closed it).
func TestAsyncWriteSlowReaderClose(t *testing.T) {
	const high = 64 << 10
	conns := make(chan *Conn, 1)
	closed := make(chan error, 1)
	h := &funcs{
		open:  func(c *Conn) { conns <- c },
		close: func(c *Conn, err error) { closed <- err },
	}
	_, addr := serve(t, Config{Loops: 1, WriteHighWatermark: high, SlowReader: SlowReaderClose}, h)
	cl := dialStd(t, addr)
	cl.SetReadBuffer(16 << 10)
	sc := <-conns
	msg := make([]byte, 1<<10)
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := sc.AsyncWrite(msg)
		if errors.Is(err, ErrClosed) || errors.Is(err, ErrSlowReader) {
			break
		}
		if err != nil && !errors.Is(err, ErrQueueFull) {
			t.Fatalf("AsyncWrite: %v", err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("AsyncWrite still %v after 5 s to a peer that reads nothing: SlowReaderClose never applied", err)
		}
		if err != nil {
			time.Sleep(time.Millisecond) // a producer backing off; what the test waits for is above
		}
	}
	if err := <-closed; !errors.Is(err, ErrSlowReader) {
		t.Fatalf("OnClose: %v, want ErrSlowReader", err)
	}
}

// TestAsyncWriteSlowReaderCloseAfterBigWrite: one write larger than the high watermark, to an empty
// queue, is accepted whole (see SlowReaderPolicy); AsyncWrite data that would join it while the
// peer reads nothing closes the connection with ErrSlowReader. The poller held that data back
// instead, so the producer got ErrQueueFull forever and the connection stayed open.
func TestAsyncWriteSlowReaderCloseAfterBigWrite(t *testing.T) {
	const high = 64 << 10
	conns := make(chan *Conn, 1)
	closed := make(chan error, 1)
	h := &funcs{
		open: func(c *Conn) {
			if _, err := c.Write(make([]byte, 4<<20)); err != nil {
				t.Errorf("the big write: %v", err)
			}
			conns <- c
		},
		close: func(c *Conn, err error) { closed <- err },
	}
	_, addr := serve(t, Config{Loops: 1, WriteHighWatermark: high, SlowReader: SlowReaderClose}, h)
	cl := dialStd(t, addr)
	cl.SetReadBuffer(16 << 10)
	sc := <-conns
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := sc.AsyncWrite(make([]byte, 1<<10))
		if errors.Is(err, ErrClosed) || errors.Is(err, ErrSlowReader) {
			break
		}
		if err != nil && !errors.Is(err, ErrQueueFull) {
			t.Fatalf("AsyncWrite: %v", err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("AsyncWrite still %v after 5 s behind a big write to a peer that reads nothing", err)
		}
		if err != nil {
			time.Sleep(time.Millisecond) // a producer backing off; what the test waits for is above
		}
	}
	if err := <-closed; !errors.Is(err, ErrSlowReader) {
		t.Fatalf("OnClose: %v, want ErrSlowReader", err)
	}
}
