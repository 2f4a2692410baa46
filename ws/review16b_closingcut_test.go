package ws

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// gateConn holds the first close frame written to it (a server's,
// unmasked: its first byte 0x88) until release, as a peer slow to read
// would, and reports a Close that comes while that write is held.
type gateConn struct {
	net.Conn
	writing  chan struct{} // closed when the close frame's write begins
	release  chan struct{} // closed by the test: the write goes on
	cut      chan struct{} // closed by a Close during the held write
	inWrite  atomic.Bool
	gateOnce sync.Once
	cutOnce  sync.Once
}

func (g *gateConn) Write(b []byte) (int, error) {
	held := false
	if len(b) > 0 && b[0] == 0x88 {
		g.gateOnce.Do(func() { held = true })
	}
	if held {
		g.inWrite.Store(true)
		close(g.writing)
		<-g.release
		defer g.inWrite.Store(false)
	}
	return g.Conn.Write(b)
}

func (g *gateConn) Close() error {
	if g.inWrite.Load() {
		g.cutOnce.Do(func() { close(g.cut) })
	}
	return g.Conn.Close()
}

// TestReview16bEchoCloseNotCut: a close frame that the reader is writing
// (the echo of the peer's close, to a peer slow to read) is not cut short
// when a writer's goroutine fails the connection meanwhile (here its
// extension cannot encode). Only Close published that it was writing its
// close frame: fail, finding the close handshake taken, closed the socket
// at once, mid-frame, and the peer got a truncated close frame.
func TestReview16bEchoCloseNotCut(t *testing.T) {
	nc, peer := tcpPeer(t)
	g := &gateConn{Conn: nc, writing: make(chan struct{}), release: make(chan struct{}), cut: make(chan struct{})}
	c := NewConn(g, RoleServer, nil, Negotiated{Codec: refusingCodec{}}, &Options{PingInterval: -1})
	defer c.CloseNow()
	waiting := make(chan struct{})
	var waitOnce sync.Once
	hook := func(hc *Conn) {
		if hc == c {
			waitOnce.Do(func() { close(waiting) })
		}
	}
	closingHook.Store(&hook)
	defer closingHook.Store(nil)

	read := make(chan error, 1)
	go func() {
		_, _, err := c.ReadMessage(context.Background())
		read <- err
	}()
	if _, err := peer.Write(AppendFrame(nil, OpClose, true, true, [4]byte{1, 2, 3, 4}, []byte{0x03, 0xe8})); err != nil {
		t.Fatal(err)
	}
	<-g.writing // the reader is echoing the close
	wrote := make(chan error, 1)
	go func() { wrote <- c.WriteMessage(context.Background(), OpText, []byte("x")) }()
	select {
	case <-g.cut:
		t.Error("the connection was closed while its close frame was being written")
	case <-waiting:
	case <-time.After(5 * time.Second):
		t.Error("the failing writer neither waits for the close frame nor closes the connection")
	}
	close(g.release)
	<-wrote
	<-read
	_ = peer.SetReadDeadline(time.Now().Add(5 * time.Second))
	if code, err := awaitPeerClose(peer, RoleClient); err != nil || code != StatusNormalClosure {
		t.Fatalf("the peer read the close frame %v, %v; want the whole echo, 1000", code, err)
	}
}
