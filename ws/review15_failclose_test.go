package ws

import (
	"context"
	"io"
	"net"
	"testing"
	"time"
)

// TestFailKeepsOurCloseFrame: a fault of the peer read while our Close is
// still writing its close frame (the peer reads it slowly) lets that frame
// finish, within CloseTimeout, before the socket closes, as a peer's close
// that crosses ours does. fail closed the socket under the write: the peer
// got a cut frame and then EOF, no close code.
func TestFailKeepsOurCloseFrame(t *testing.T) {
	nc, peer := net.Pipe() // a write returns once the other end read it all
	defer peer.Close()
	c := NewConn(nc, RoleServer, nil, Negotiated{}, &Options{PingInterval: -1, CloseTimeout: 2 * time.Second})
	read := make(chan error, 1)
	go func() {
		_, _, err := c.ReadMessage(context.Background())
		read <- err
	}()
	closed := make(chan error, 1)
	go func() { closed <- c.Close(StatusGoingAway, "bye") }()
	got := make([]byte, 3)
	if _, err := io.ReadFull(peer, got); err != nil { // Close's frame is being written
		t.Fatal(err)
	}
	// A client frame without a mask: a protocol error (1002).
	if _, err := peer.Write(AppendFrame(nil, OpBinary, true, false, [4]byte{}, []byte("unmasked"))); err != nil {
		t.Fatal(err)
	}
	// The reader took the fault. Without the fix the socket closes now,
	// within a moment; with it, not before the frame is out: the wait
	// only gives a cut a chance to show.
	select {
	case <-c.Done():
	case <-time.After(300 * time.Millisecond):
	}
	p := NewParser(ParserConfig{Role: RoleClient})
	buf := make([]byte, 256)
	for {
		k, ev, err := p.Parse(got)
		if err != nil {
			t.Fatalf("parsing what Close sent: %v", err)
		}
		got = got[k:]
		if ev.Kind == EventClose {
			if ev.Code != StatusGoingAway || string(ev.Reason) != "bye" {
				t.Errorf("close frame: %v %q, want 1001 \"bye\"", ev.Code, ev.Reason)
			}
			break
		}
		if k == 0 {
			n, err := peer.Read(buf)
			if err != nil {
				t.Fatalf("the close frame was cut: %v", err)
			}
			got = append(got, buf[:n]...)
		}
	}
	if err := <-read; err == nil {
		t.Error("ReadMessage: a message")
	}
	if err := <-closed; err != nil {
		t.Errorf("Close: %v", err)
	}
}
