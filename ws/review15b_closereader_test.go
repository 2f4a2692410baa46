package ws

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestCloseTakesOverFromStoppedReader: Close from another goroutine while
// a reader waits in ReadMessage, where the reader gets one more message
// and stops reading (as a WAMP session does at the router's GOODBYE).
// Close reads the peer's answer once the reader let go, and the
// connection ends cleanly with the peer's 1000. It only waited for the
// connection to end: nobody read the answer, and it was dropped at
// CloseTimeout with 1006.
func TestCloseTakesOverFromStoppedReader(t *testing.T) {
	c, peer := loopbackPull(t, RoleClient, &Options{PingInterval: -1, CloseTimeout: 2 * time.Second})
	// The message's first frame: the reader waits for the rest, which
	// comes only after our close frame, so it reads while Close starts.
	if _, err := peer.Write(AppendFrame(nil, OpText, false, false, [4]byte{}, []byte("la"))); err != nil {
		t.Fatal(err)
	}
	got := make(chan []byte, 1)
	go func() {
		_, p, err := c.ReadMessage(context.Background())
		if err != nil {
			got <- []byte(err.Error())
			return
		}
		got <- append([]byte(nil), p...) // and reads no more
	}()
	waitFor(t, "the reader in ReadMessage", func() bool {
		if c.rmu.TryLock() {
			c.rmu.Unlock()
			return false
		}
		return true
	})
	closed := make(chan error, 1)
	go func() { closed <- c.Close(StatusNormalClosure, "") }()
	// The peer (the server) gets our close, sends the rest of a message
	// that crossed it, then its answer, and closes the TCP connection.
	if code, err := awaitPeerClose(peer, RoleServer); err != nil || code != StatusNormalClosure {
		t.Fatalf("peer got %v, %v; want our 1000", code, err)
	}
	var out []byte
	out = AppendFrame(out, OpContinuation, true, false, [4]byte{}, []byte("st"))
	out = AppendFrame(out, OpClose, true, false, [4]byte{}, AppendClosePayload(nil, StatusNormalClosure, ""))
	if _, err := peer.Write(out); err != nil {
		t.Fatal(err)
	}
	_ = peer.Close()
	if p := <-got; string(p) != "last" {
		t.Fatalf("reader got %q, want the last message", p)
	}
	if err := <-closed; err != nil {
		t.Fatalf("Close: %v", err)
	}
	_, _, err := c.ReadMessage(context.Background())
	var ce *CloseError
	if !errors.As(err, &ce) || ce.Code != StatusNormalClosure || !ce.WasClean {
		t.Fatalf("the connection ended with %v, want a clean close with the peer's 1000", err)
	}
}
