package ws

import (
	"bytes"
	"context"
	"errors"
	"net"
	"testing"
)

// cancelOnHead cancels a context once the handshake's response head came
// in: the ctx of Dial ends just after the handshake succeeded.
type cancelOnHead struct {
	net.Conn
	cancel context.CancelFunc
	head   []byte
}

func (c *cancelOnHead) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if c.head = append(c.head, p[:n]...); bytes.Contains(c.head, []byte("\r\n\r\n")) {
		c.cancel()
	}
	return n, err
}

// keptByKeepalive reports whether a Conn over nc waits in a keepalive group.
func keptByKeepalive(nc net.Conn) bool {
	for i := range keepalives {
		g := &keepalives[i]
		g.mu.Lock()
		for j := range g.due.len() {
			if g.due.at(j).c.nc == nc {
				g.mu.Unlock()
				return true
			}
		}
		g.mu.Unlock()
	}
	return false
}

// TestDialCtxEndsAfterHandshake: a Dial whose ctx ends just after the
// handshake succeeded returns ctx's error and ends the Conn it made. It
// closed only the socket: the Conn, with its pooled Parser and read
// buffer, stayed in its keepalive group until the first ping failed
// (PingInterval, 30 s by default).
func TestDialCtxEndsAfterHandshake(t *testing.T) {
	url, _ := startServer(t, newEcho(), nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wrapped net.Conn
	opts := &Options{NetDial: func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		nc, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		wrapped = &cancelOnHead{Conn: nc, cancel: cancel}
		return wrapped, nil
	}}
	c, err := Dial(ctx, url, opts)
	if c != nil || !errors.Is(err, context.Canceled) {
		t.Fatalf("Dial: %v, %v; want context.Canceled", c, err)
	}
	if keptByKeepalive(wrapped) {
		t.Error("the Conn Dial made and did not return is still kept by the keepalive")
	}
}
