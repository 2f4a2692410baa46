package ws

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"
)

// TestPingTimeoutReported: a connection the keepalive dropped reports
// why to its reader, its stuck writer and OnClose: errors.Is(err,
// ErrPingTimeout), as ErrPingTimeout's doc promises. It was a bare 1006
// (ErrPingTimeout reached only a Debug log), and the writer got the
// socket's "use of closed network connection".
func TestPingTimeoutReported(t *testing.T) {
	big := make([]byte, 16<<20)
	pm := NewPreparedMessage(OpBinary, big)
	for name, write := range map[string]func(*Conn) error{
		"WriteMessage":  func(c *Conn) error { return c.WriteMessage(context.Background(), OpBinary, big) },
		"WritePrepared": func(c *Conn) error { return c.WritePrepared(context.Background(), pm) },
	} {
		t.Run(name, func(t *testing.T) { testPingTimeoutReported(t, write) })
	}
}

func testPingTimeoutReported(t *testing.T, write func(*Conn) error) {
	c, peer := loopbackPull(t, RoleServer, &Options{PingInterval: 50 * time.Millisecond, PingTimeout: 100 * time.Millisecond, CloseTimeout: 100 * time.Millisecond})
	wrote := make(chan error, 1)
	go func() { wrote <- write(c) }()
	read := make(chan error, 1)
	go func() {
		_, _, err := c.ReadMessage(context.Background())
		read <- err
	}()
	var rerr, werr error
	select {
	case rerr = <-read:
		werr = <-wrote
	case <-time.After(5 * time.Second):
		_ = peer.Close()
		rerr, werr = <-read, <-wrote
		t.Error("no ping timeout")
	}
	var ce *CloseError
	if !errors.As(rerr, &ce) || ce.Code != StatusAbnormalClosure || !errors.Is(rerr, ErrPingTimeout) {
		t.Errorf("ReadMessage: %v, want 1006 matching ErrPingTimeout", rerr)
	}
	if !errors.Is(werr, ErrPingTimeout) || !errors.Is(werr, ErrClosed) {
		t.Errorf("write: %v, want the connection's end (ErrPingTimeout)", werr)
	}
}

// TestWriteErrorReportedToReader: after our own write failed (the peer
// reset the connection), the reader learns that write's error, not only a
// bare 1006.
func TestWriteErrorReportedToReader(t *testing.T) {
	c, peer := loopbackPull(t, RoleServer, &Options{PingInterval: -1})
	wrote := make(chan error, 1)
	go func() { wrote <- c.WriteMessage(context.Background(), OpBinary, make([]byte, 16<<20)) }()
	waitFor(t, "the message holding the frame lock", func() bool {
		if c.p.frameMu.TryLock() {
			c.p.frameMu.Unlock()
			return false
		}
		return true
	})
	_ = peer.(*net.TCPConn).SetLinger(0)
	_ = peer.Close() // a reset: the write fails
	werr := <-wrote
	if werr == nil {
		t.Fatal("the write succeeded")
	}
	_, _, rerr := c.ReadMessage(context.Background())
	var ce *CloseError
	if !errors.As(rerr, &ce) || ce.Code != StatusAbnormalClosure || !errors.Is(rerr, werr) {
		t.Fatalf("ReadMessage: %v, want 1006 with the failed write's error (%v)", rerr, werr)
	}
}
