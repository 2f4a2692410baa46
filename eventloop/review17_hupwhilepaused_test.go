//go:build linux && !eventloop_goroutines

package eventloop

import (
	"bytes"
	"io"
	"sync"
	"testing"
)

// TestReview17HangUpWhileSlowReaderPaused: a peer that does not read
// (the server's queue is above the high watermark, so SlowReaderPause
// stops reading) sends its last message and closes. It closes with our
// output unread, so its kernel resets the connection; the message was
// sent before that and waits in the server's socket. The server hands it
// to OnData before OnClose, as it does when reading is not paused: the
// loop used to close the connection at the hang-up without reading it.
// (The goroutine fallback still loses it: its writer's failed write ends
// the connection while the reader waits out the pause.)
func TestReview17HangUpWhileSlowReaderPaused(t *testing.T) {
	const high = 64 << 10
	opened := make(chan struct{})
	closed := make(chan error, 1)
	var mu sync.Mutex
	var got []byte
	_, addr := serve(t, Config{Loops: 1, WriteHighWatermark: high, WriteLowWatermark: high / 2, ReadBufferSize: 4 << 10}, &funcs{
		open: func(c *Conn) {
			// An empty queue takes a write of any size; what the kernel refuses stays queued,
			// above the high watermark: reading stops.
			if err := c.Send(make([]byte, 8<<20)); err != nil {
				t.Error(err)
			}
			if c.Queued() <= high {
				t.Errorf("queued %d, want more than %d", c.Queued(), high)
			}
			close(opened)
		},
		data: func(c *Conn, in []byte) int {
			mu.Lock()
			got = append(got, in...)
			mu.Unlock()
			return len(in)
		},
		close: func(_ *Conn, err error) { closed <- err },
	})
	peer := dialStd(t, addr)
	<-opened
	// Some of the server's output has arrived, and the rest waits: the close below resets.
	if _, err := io.ReadFull(peer, make([]byte, 1)); err != nil {
		t.Fatal(err)
	}
	// More than one read: the loop reads at each report of the hang-up.
	last := bytes.Repeat([]byte("the peer's last message "), 1000)
	if _, err := peer.Write(last); err != nil {
		t.Fatal(err)
	}
	peer.Close()
	err := <-closed
	mu.Lock()
	defer mu.Unlock()
	if !bytes.Equal(got, last) {
		t.Fatalf("OnData got %d bytes before OnClose (%v); want the peer's last message, %d bytes", len(got), err, len(last))
	}
}
