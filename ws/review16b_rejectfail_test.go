package ws_test

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/ws"
)

// failWriteConn is a connection whose first read is a request head and
// whose writes all fail; a read after that one reports itself (lingered)
// and waits for Close. It can shut its write side, so a refusal on it
// would linger.
type failWriteConn struct {
	head     string
	reads    int
	lingered chan struct{} // closed by the first read after the head
	closed   chan struct{} // closed by Close
	once     sync.Once
}

func (c *failWriteConn) Read(b []byte) (int, error) {
	if c.reads++; c.reads == 1 {
		return copy(b, c.head), nil
	}
	if c.reads == 2 {
		close(c.lingered)
	}
	<-c.closed
	return 0, io.EOF
}

func (c *failWriteConn) Write([]byte) (int, error) {
	return 0, errors.New("write failed: the peer is gone")
}
func (c *failWriteConn) CloseWrite() error { return nil }
func (c *failWriteConn) Close() error {
	c.once.Do(func() { close(c.closed) })
	return nil
}
func (c *failWriteConn) LocalAddr() net.Addr              { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }
func (c *failWriteConn) RemoteAddr() net.Addr             { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }
func (c *failWriteConn) SetDeadline(time.Time) error      { return nil }
func (c *failWriteConn) SetReadDeadline(time.Time) error  { return nil }
func (c *failWriteConn) SetWriteDeadline(time.Time) error { return nil }

// TestReview16bRefusalUnwrittenNoLinger: a refused handshake (400 here)
// whose answer could not be written is closed at once: there is no
// answer for the client to read, so nothing to linger for. The server
// lingered (read, up to a second and 8 MiB) as if it had been written.
func TestReview16bRefusalUnwrittenNoLinger(t *testing.T) {
	srv := &ws.Server{Handler: ws.BaseHandler{}}
	nc := &failWriteConn{head: r16BadHead, lingered: make(chan struct{}), closed: make(chan struct{})}
	served := make(chan struct{})
	go func() {
		defer close(served)
		srv.ServeConn(context.Background(), nc)
	}()
	select {
	case <-nc.closed:
	case <-nc.lingered:
		t.Error("the refusal lingers (reads on) though its answer was not written")
		_ = nc.Close()
	}
	<-served
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}
