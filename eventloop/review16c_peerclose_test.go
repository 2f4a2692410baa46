//go:build linux && eventloop_goroutines

package eventloop

import (
	"io"
	"runtime"
	"strings"
	"testing"
)

// TestReview16cPeerCloseBetweenCallbacks: on the fallback the peer's
// close (the reader's EOF) closes the connection between callbacks, as on
// a loop: an OnWritable that runs when the EOF comes can still send, what
// it sent reaches the peer (which only shut its write side), and OnClose
// comes after. The reader used to close at once, under the running
// callback, whose Send then failed with ErrClosed: wsloop's TLS client
// lost the server's alert that way (it was fed, but the request's send
// failed first and became Dial's error).
func TestReview16cPeerCloseBetweenCallbacks(t *testing.T) {
	inCallback := make(chan *Conn, 1)
	release := make(chan struct{})
	sent := make(chan error, 1)
	closed := make(chan error, 1)
	_, addr := serve(t, Config{Loops: 1}, &funcs{
		open: func(c *Conn) {
			if err := c.Wake(); err != nil {
				t.Error(err)
			}
		},
		writable: func(c *Conn) {
			inCallback <- c
			<-release
			sent <- c.Send([]byte("reply"))
		},
		close: func(_ *Conn, err error) { closed <- err },
	})
	peer := dialStd(t, addr)
	c := <-inCallback
	if err := peer.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	// The reader has the EOF: it closed the connection under the
	// callback, or it waits for the callback to end.
	waitFor(t, "the reader to read the EOF", func() bool {
		return c.state.Load() != stateOpen || readerWaitsForCallback()
	})
	close(release)
	if err := <-sent; err != nil {
		t.Fatalf("Send in the OnWritable that ran when the peer's EOF came: %v", err)
	}
	got, err := io.ReadAll(peer)
	if err != nil || string(got) != "reply" {
		t.Fatalf("the peer read %q, %v; want the reply", got, err)
	}
	if err := <-closed; err != io.EOF {
		t.Fatalf("OnClose with %v, want io.EOF", err)
	}
}

// readerWaitsForCallback reports whether a connection's reader goroutine
// waits for a mutex: the connection's callback mutex (the test has one
// connection, and its other mutex is held only for moments).
func readerWaitsForCallback() bool {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	for g := range strings.SplitSeq(string(buf), "\n\n") {
		if strings.Contains(g, "[sync.Mutex.Lock") && strings.Contains(g, "eventloop.(*Conn).reader(") {
			return true
		}
	}
	return false
}
