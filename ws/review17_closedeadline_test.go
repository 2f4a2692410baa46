package ws

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// dlRecorder records the non-zero deadlines set on its net.Conn, and
// signals readDL on each read deadline.
type dlRecorder struct {
	net.Conn
	readDL chan struct{}
	mu     sync.Mutex
	set    []time.Time
}

func (d *dlRecorder) note(t time.Time, read bool) {
	if t.IsZero() {
		return
	}
	d.mu.Lock()
	d.set = append(d.set, t)
	d.mu.Unlock()
	if read {
		select {
		case d.readDL <- struct{}{}:
		default:
		}
	}
}

func (d *dlRecorder) SetDeadline(t time.Time) error {
	d.note(t, true)
	return d.Conn.SetDeadline(t)
}

func (d *dlRecorder) SetReadDeadline(t time.Time) error {
	d.note(t, true)
	return d.Conn.SetReadDeadline(t)
}

func (d *dlRecorder) SetWriteDeadline(t time.Time) error {
	d.note(t, false)
	return d.Conn.SetWriteDeadline(t)
}

// deadlines returns what was recorded and forgets it.
func (d *dlRecorder) deadlines() []time.Time {
	d.mu.Lock()
	defer d.mu.Unlock()
	s := d.set
	d.set = nil
	return s
}

// oneBound fails unless no deadline in set is later than the first: one
// CloseTimeout bounds the whole close handshake.
func oneBound(t *testing.T, set []time.Time) {
	t.Helper()
	if len(set) == 0 {
		t.Fatal("no deadline set")
	}
	for _, d := range set[1:] {
		if d.After(set[0]) {
			t.Fatalf("a deadline %v past the handshake's (%v): %v", d.Sub(set[0]), set[0], set)
		}
	}
}

// clientPair returns a client Conn over loopback TCP whose deadlines are
// recorded, and the socket of its raw server.
func clientPair(t *testing.T, opts *Options) (*Conn, *dlRecorder, net.Conn) {
	t.Helper()
	nc, peer := tcpPeer(t)
	dc := &dlRecorder{Conn: nc, readDL: make(chan struct{}, 1)}
	c := NewConn(dc, RoleClient, nil, Negotiated{}, opts)
	t.Cleanup(func() {
		_ = peer.Close()
		_ = c.Close(StatusNormalClosure, "")
	})
	return c, dc, peer
}

// TestReview17CloseOneTimeout: a client's Close whose server answers late
// (once Close waits for it) and then never closes TCP ends by the
// deadline Close set when it began. Waiting for the server to close TCP
// took a new CloseTimeout from the answer: up to twice CloseTimeout in
// all.
func TestReview17CloseOneTimeout(t *testing.T) {
	c, dc, peer := clientPair(t, &Options{CloseTimeout: time.Second, PingInterval: -1})
	peerDone := make(chan error, 1)
	go func() {
		if code, err := awaitPeerClose(peer, RoleServer); err != nil || code != StatusNormalClosure {
			peerDone <- errors.Join(errors.New("no close frame"), err)
			return
		}
		<-dc.readDL // Close waits for the answer
		var b [2]byte
		if _, err := peer.Write(AppendFrame(nil, OpClose, true, false, [4]byte{}, AppendClosePayload(b[:0], StatusNormalClosure, ""))); err != nil {
			peerDone <- err
			return
		}
		_, err := io.Copy(io.Discard, peer) // until the client closes TCP
		peerDone <- err
	}()
	dc.deadlines()
	if err := c.Close(StatusNormalClosure, "bye"); err != nil {
		t.Fatal(err)
	}
	if err := <-peerDone; err != nil {
		t.Fatal(err)
	}
	oneBound(t, dc.deadlines())
	var ce *CloseError
	if _, _, err := c.ReadMessage(context.Background()); !errors.As(err, &ce) || ce.Code != StatusNormalClosure || !ce.WasClean {
		t.Fatalf("read after Close: %v, want the server's clean 1000", err)
	}
}

// TestReview17PeerCloseOneTimeout: when the server closes first, the
// client's answer and its wait for the server to close TCP share one
// CloseTimeout.
func TestReview17PeerCloseOneTimeout(t *testing.T) {
	c, dc, peer := clientPair(t, &Options{CloseTimeout: time.Second, PingInterval: -1})
	read := make(chan error, 1)
	go func() {
		_, _, err := c.ReadMessage(context.Background())
		read <- err
	}()
	var b [2]byte
	if _, err := peer.Write(AppendFrame(nil, OpClose, true, false, [4]byte{}, AppendClosePayload(b[:0], StatusGoingAway, ""))); err != nil {
		t.Fatal(err)
	}
	if code, err := awaitPeerClose(peer, RoleServer); err != nil || code != StatusGoingAway {
		t.Fatalf("answer %v, %v", code, err)
	}
	_ = peer.Close()
	var ce *CloseError
	if err := <-read; !errors.As(err, &ce) || ce.Code != StatusGoingAway {
		t.Fatalf("read: %v, want 1001", err)
	}
	oneBound(t, dc.deadlines())
}

// TestReview17CloseOffAnswered: with CloseTimeout off, the close
// handshake ends with the close frames (Options: "the wait ends only with
// the peer's answer or end, or CloseNow"). A client waited for the server
// to close TCP with no bound: Close, or the read that got the server's
// close frame, never returned while the server kept the socket open.
func TestReview17CloseOffAnswered(t *testing.T) {
	for _, first := range []string{"client", "server"} {
		c, _, peer := clientPair(t, &Options{CloseTimeout: -1, PingInterval: -1})
		ended := make(chan error, 1)
		var b [2]byte
		answer := AppendFrame(nil, OpClose, true, false, [4]byte{}, AppendClosePayload(b[:0], StatusNormalClosure, ""))
		if first == "client" {
			go func() { ended <- c.Close(StatusNormalClosure, "") }()
			if code, err := awaitPeerClose(peer, RoleServer); err != nil || code != StatusNormalClosure {
				t.Fatalf("client's close frame: %v, %v", code, err)
			}
			if _, err := peer.Write(answer); err != nil {
				t.Fatal(err)
			}
		} else {
			go func() {
				_, _, err := c.ReadMessage(context.Background())
				ended <- err
			}()
			if _, err := peer.Write(answer); err != nil {
				t.Fatal(err)
			}
			if code, err := awaitPeerClose(peer, RoleServer); err != nil || code != StatusNormalClosure {
				t.Fatalf("client's answer: %v, %v", code, err)
			}
		}
		// The server keeps its socket open; the client must close its own.
		_ = peer.SetReadDeadline(time.Now().Add(20 * time.Second))
		if n, err := peer.Read(make([]byte, 1)); err != io.EOF {
			t.Fatalf("%s first: the server read %d, %v; want the client's EOF", first, n, err)
		}
		err := <-ended
		var ce *CloseError
		if first == "client" && err != nil || first == "server" && (!errors.As(err, &ce) || ce.Code != StatusNormalClosure) {
			t.Fatalf("%s first: %v", first, err)
		}
	}
}
