package ws

import (
	"bytes"
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"
)

// TestReview14StreamCancelledMidMessage: a NextWriter stream whose context
// is cancelled after its first frame went cannot finish its message, so
// Close closes the connection (1011): another message sent then would be a
// new data frame inside a fragmented message, which the peer fails with
// 1002.
func TestReview14StreamCancelledMidMessage(t *testing.T) {
	u, _ := startServer(t, newEcho(), nil)
	c := dial(t, u, &Options{AutoFragmentSize: 1024})
	sctx, cancel := context.WithCancel(context.Background())
	w, err := c.NextWriter(sctx, OpBinary)
	if err != nil {
		t.Fatal(err)
	}
	part := bytes.Repeat([]byte("x"), 2000)
	if _, err := w.Write(part); err != nil { // one frame goes
		t.Fatal(err)
	}
	cancel()
	if _, err := w.Write(part); !errors.Is(err, context.Canceled) {
		t.Fatalf("Write after cancel: %v", err)
	}
	if err := w.Close(); !errors.Is(err, context.Canceled) {
		t.Fatalf("Close after cancel: %v", err)
	}
	ctx, done := context.WithTimeout(context.Background(), 10*time.Second)
	defer done()
	if err := c.WriteMessage(ctx, OpBinary, []byte("next")); err == nil {
		_, _, err := c.ReadMessage(ctx)
		t.Fatalf("a message went out behind a half-sent one; then read: %v", err)
	}
	_, _, err = c.ReadMessage(ctx)
	var ce *CloseError
	if !errors.As(err, &ce) || ce.Code != StatusInternalError {
		t.Fatalf("read after the abandoned message: %v, want a close with 1011", err)
	}
}

// cancelConn cancels, once armed, a context when the bytes written since
// reach at, from the goroutine that writes: a context that ends between
// two frames of a message.
type cancelConn struct {
	net.Conn
	mu      sync.Mutex
	cancel  context.CancelFunc
	at, got int
}

func (c *cancelConn) arm(cancel context.CancelFunc, at int) {
	c.mu.Lock()
	c.cancel, c.at, c.got = cancel, at, 0
	c.mu.Unlock()
}

func (c *cancelConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cancel != nil {
		if c.got += n; c.got >= c.at {
			c.cancel()
			c.cancel = nil
		}
	}
	return n, err
}

// TestReview14FragmentedWriteCancelled: a WriteMessage cut into frames
// (AutoFragmentSize) whose context ends after its first frame went cannot
// finish the message; the connection is closed with 1011, not left to send
// the next message as a new data frame inside the fragmented one (which
// the peer fails with 1002).
func TestReview14FragmentedWriteCancelled(t *testing.T) {
	u, _ := startServer(t, newEcho(), nil)
	var cc *cancelConn
	c := dial(t, u, &Options{AutoFragmentSize: 1024, NetDial: func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		nc, err := d.DialContext(ctx, network, addr)
		if err == nil {
			cc = &cancelConn{Conn: nc}
			nc = cc
		}
		return nc, err
	}})
	wctx, cancel := context.WithCancel(context.Background())
	cc.arm(cancel, 1024+8) // the first frame: its header and 1024 bytes
	if err := c.WriteMessage(wctx, OpBinary, bytes.Repeat([]byte("x"), 3000)); !errors.Is(err, context.Canceled) {
		t.Fatalf("WriteMessage cancelled after its first frame: %v", err)
	}
	ctx, done := context.WithTimeout(context.Background(), 10*time.Second)
	defer done()
	if err := c.WriteMessage(ctx, OpBinary, []byte("next")); err == nil {
		_, _, err := c.ReadMessage(ctx)
		t.Fatalf("a message went out behind a half-sent one; then read: %v", err)
	}
	_, _, err := c.ReadMessage(ctx)
	var ce *CloseError
	if !errors.As(err, &ce) || ce.Code != StatusInternalError {
		t.Fatalf("read after the abandoned message: %v, want a close with 1011", err)
	}
}
