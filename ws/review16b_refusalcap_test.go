package ws

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

// readAfterWrite is a server's side of a connection that records a read
// after its first write (the refusal's answer): a lingering close.
type readAfterWrite struct {
	*net.TCPConn
	wrote, lingered atomic.Bool
}

func (c *readAfterWrite) Write(b []byte) (int, error) {
	c.wrote.Store(true)
	return c.TCPConn.Write(b)
}

func (c *readAfterWrite) Read(b []byte) (int, error) {
	if c.wrote.Load() {
		c.lingered.Store(true)
	}
	return c.TCPConn.Read(b)
}

// r16bPair returns a loopback TCP connection's server side, wrapped, and
// its client side.
func r16bPair(t *testing.T) (*readAfterWrite, net.Conn) {
	t.Helper()
	nc, peer := tcpPeer(t)
	return &readAfterWrite{TCPConn: nc.(*net.TCPConn)}, peer
}

// r16bRefusedAnswer sends a request that is no upgrade on peer and reads
// the refusal (426) and the end of the server's output.
func r16bRefusedAnswer(t *testing.T, peer net.Conn) {
	t.Helper()
	_ = peer.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(peer, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(peer)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusUpgradeRequired {
		t.Fatalf("answer %v, %v; want 426", resp, err)
	}
	if _, err := io.Copy(io.Discard, br); err != nil {
		t.Fatalf("reading to the end of the refusal: %v", err)
	}
}

// TestReview16bRefusalsBounded: the refusals a Server answers or lets
// linger at once are bounded in number (256; 1 here): past the bound a
// refused connection is closed without lingering. They held no slot and
// had no bound but time, each a goroutine and an fd for up to its
// handshake timeout and a second's linger: a client flood past
// MaxConnections, or of bad requests, held the accept rate's worth.
func TestReview16bRefusalsBounded(t *testing.T) {
	srv := &Server{Handler: BaseHandler{}, maxRefusals: 1}
	a, peerA := r16bPair(t)
	servedA := make(chan struct{})
	go func() {
		defer close(servedA)
		srv.ServeConn(context.Background(), a)
	}()
	r16bRefusedAnswer(t, peerA) // A's refusal lingers until peerA closes
	for deadline := time.Now().Add(5 * time.Second); !a.lingered.Load(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the first refusal does not linger")
		}
	}

	b, peerB := r16bPair(t)
	servedB := make(chan struct{})
	go func() {
		defer close(servedB)
		srv.ServeConn(context.Background(), b)
	}()
	r16bRefusedAnswer(t, peerB)
	<-servedB
	if b.lingered.Load() {
		t.Error("a refusal past the bound lingered")
	}

	peerA.Close()
	<-servedA
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
}
