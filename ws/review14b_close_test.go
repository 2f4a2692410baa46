package ws

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

// loopbackPull returns a pull-mode Conn of role over loopback TCP (its
// reads raw, as a server's are) and the socket of its raw peer.
func loopbackPull(t *testing.T, role Role, opts *Options) (*Conn, net.Conn) {
	t.Helper()
	return loopbackPullNeg(t, role, Negotiated{}, opts)
}

// loopbackPullNeg is loopbackPull with what the handshake negotiated.
func loopbackPullNeg(t *testing.T, role Role, neg Negotiated, opts *Options) (*Conn, net.Conn) {
	t.Helper()
	nc, peer := tcpPeer(t)
	c := NewConn(nc, role, nil, neg, opts)
	t.Cleanup(func() {
		_ = peer.Close()
		_ = c.Close(StatusNormalClosure, "")
	})
	return c, peer
}

// awaitPeerClose parses what c sent to peer until its close frame.
func awaitPeerClose(peer net.Conn, role Role) (StatusCode, error) {
	p := NewParser(ParserConfig{Role: role})
	buf := make([]byte, 4096)
	for {
		n, err := peer.Read(buf)
		if err != nil {
			return 0, err
		}
		for b := buf[:n]; len(b) > 0; {
			k, ev, err := p.Parse(b)
			if err != nil {
				return 0, err
			}
			b = b[k:]
			if ev.Kind == EventClose {
				return ev.Code, nil
			}
		}
	}
}

// TestCloseKeepsReadersMessage: Close from another goroutine while the
// reader still handles the message ReadMessage returned (valid until its
// next read) leaves that message alone. Close read the peer's answer into
// the buffer the message was in, and the reader found the next frames in
// its payload; where reads are raw, Close could give that buffer back to
// the pool, to another connection's reads. Over net.Pipe, as over TLS,
// reads go through the net.Conn.
func TestCloseKeepsReadersMessage(t *testing.T) {
	nc, peer := net.Pipe()
	defer peer.Close()
	c := NewConn(nc, RoleServer, nil, Negotiated{}, &Options{PingInterval: -1, CloseTimeout: 10 * time.Second})
	defer c.Close(StatusNormalClosure, "")
	key := [4]byte{1, 2, 3, 4}
	want := bytes.Repeat([]byte("A"), 100)
	got, closed, result := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		_, msg, err := c.ReadMessage(context.Background())
		close(got)
		if err != nil {
			result <- err
			return
		}
		<-closed // the handler is still busy with msg
		if !bytes.Equal(msg, want) {
			result <- errors.New("message changed under its reader: " + string(msg[:min(16, len(msg))]))
			return
		}
		_, _, err = c.ReadMessage(context.Background())
		if !errors.Is(err, ErrClosed) {
			result <- errors.New("read after Close: " + err.Error())
			return
		}
		result <- nil
	}()
	if _, err := peer.Write(AppendFrame(nil, OpBinary, true, true, key, want)); err != nil {
		t.Fatal(err)
	}
	<-got
	peerDone := make(chan error, 1)
	go func() {
		if _, err := awaitPeerClose(peer, RoleClient); err != nil {
			peerDone <- err
			return
		}
		// A message, then the answer to the close, in one write.
		answer := AppendFrame(nil, OpBinary, true, true, key, bytes.Repeat([]byte("B"), len(want)))
		answer = AppendFrame(answer, OpClose, true, true, key, AppendClosePayload(nil, StatusNormalClosure, ""))
		_, err := peer.Write(answer)
		_, _ = io.Copy(io.Discard, peer)
		peerDone <- err
	}()
	if err := c.Close(StatusNormalClosure, ""); err != nil {
		t.Fatal(err)
	}
	close(closed)
	if err := <-result; err != nil {
		t.Error(err)
	}
	if err := <-peerDone; err != nil {
		t.Fatal(err)
	}
}

// TestCloseCrossingPeerClose: the peer's close frame, read while our
// Close waits to send its own (behind a large message that the peer has
// not read yet), does not end the connection before our close frame is
// out. The reader closed the socket at once: the message was cut, our
// close frame never sent, and Close failed with the closed socket's error.
func TestCloseCrossingPeerClose(t *testing.T) {
	c, peer := loopbackPull(t, RoleServer, &Options{PingInterval: -1, CloseTimeout: 20 * time.Second})
	read := make(chan error, 1)
	go func() {
		_, _, err := c.ReadMessage(context.Background())
		read <- err
	}()
	big := make([]byte, 16<<20) // more than the socket buffers hold
	wrote := make(chan error, 1)
	go func() { wrote <- c.WriteMessage(context.Background(), OpBinary, big) }()
	waitFor(t, "the message holding the frame lock", func() bool {
		if c.p.frameMu.TryLock() {
			c.p.frameMu.Unlock()
			return false
		}
		return true
	})
	closed := make(chan error, 1)
	go func() { closed <- c.Close(StatusGoingAway, "") }()
	waitFor(t, "Close under way", func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.has(flagCloseSent)
	})
	// The peer closes too, then reads what it was sent.
	key := [4]byte{5, 6, 7, 8}
	if _, err := peer.Write(AppendFrame(nil, OpClose, true, true, key, AppendClosePayload(nil, StatusNormalClosure, ""))); err != nil {
		t.Fatal(err)
	}
	p := NewParser(ParserConfig{Role: RoleClient})
	buf := make([]byte, 64<<10)
	var n int
	var code StatusCode
	for code == 0 {
		k, err := peer.Read(buf)
		if err != nil {
			t.Fatalf("peer: %v after %d bytes of the message and no close frame", err, n)
		}
		for b := buf[:k]; len(b) > 0; {
			used, ev, err := p.Parse(b)
			if err != nil {
				t.Fatal(err)
			}
			b = b[used:]
			switch ev.Kind {
			case EventData:
				n += len(ev.Payload)
			case EventClose:
				code = ev.Code
			}
		}
	}
	if n != len(big) || code != StatusGoingAway {
		t.Fatalf("peer: %d bytes of the message and close %v, want %d and %v", n, code, len(big), StatusGoingAway)
	}
	if err := <-wrote; err != nil {
		t.Errorf("WriteMessage: %v", err)
	}
	if err := <-closed; err != nil {
		t.Errorf("Close: %v", err)
	}
	var ce *CloseError
	if err := <-read; !errors.As(err, &ce) || !ce.WasClean {
		t.Errorf("ReadMessage: %v, want a clean close", err)
	}
}

// TestPeerCloseBoundsStuckWrite: the peer's close frame, or a frame that
// fails the connection, read while a write with no deadline of its own is
// stuck on that peer (which reads nothing more), ends the connection
// within CloseTimeout, as our Close does. Our close frame waited for the
// frame lock behind that write: the reader (a server's connection
// goroutine, with OnClose) and the writer hung for as long as the peer
// kept the connection open.
func TestPeerCloseBoundsStuckWrite(t *testing.T) {
	key := [4]byte{5, 6, 7, 8}
	for _, tc := range []struct {
		name string
		in   []byte
	}{
		{"close", AppendFrame(nil, OpClose, true, true, key, AppendClosePayload(nil, StatusNormalClosure, ""))},
		{"fault", AppendFrame(nil, OpBinary, true, false, key, []byte("unmasked"))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, peer, read, wrote := pullBehindStuckWrite(t, &Options{PingInterval: -1, CloseTimeout: 100 * time.Millisecond})
			if _, err := peer.Write(tc.in); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-read:
				if err == nil {
					t.Error("ReadMessage: a message")
				}
			case <-time.After(10 * time.Second):
				_ = peer.Close() // let both go
				<-read
				t.Error("the reader still waits to send its close frame behind the stuck write")
			}
			if err := <-wrote; err == nil {
				t.Error("the stuck write succeeded")
			}
		})
	}
}
