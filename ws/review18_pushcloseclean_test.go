package ws

import (
	"errors"
	"testing"
)

// TestReview18PushCloseCleanCrossing: a push-mode Close (on a goroutine,
// an event-loop driver's connection) whose close handshake the peer's
// close frame completes, arriving after Close took the handshake and
// before it queued its frame, returns nil: the close was clean (the loop
// answered the peer's frame, peerClosed), as pull mode's Close says in
// the same crossing. It returned ErrClosed, its frame refused by the
// ended queue, as if the close had failed.
func TestReview18PushCloseCleanCrossing(t *testing.T) {
	f := &fakeOutput{}
	pc := NewPushConn(f, RoleServer, Negotiated{}, &Options{PingInterval: -1}, OutputBounds{})
	c := pc.Conn()
	t.Cleanup(func() { _ = c.CloseNow() })
	key := [4]byte{1, 2, 3, 4}
	peer := AppendFrame(nil, OpClose, true, true, key, AppendClosePayload(nil, StatusGoingAway, "bye"))
	fed := false
	hook := func(hc *Conn) {
		if hc == c && !fed {
			fed = true // the loop reads the peer's close frame now
			if pc.Feed(peer, BaseHandler{}) {
				t.Error("Feed: the connection is still open")
			}
		}
	}
	pushCloseHook.Store(&hook)
	defer pushCloseHook.Store(nil)
	if err := c.Close(StatusNormalClosure, ""); err != nil {
		t.Errorf("Close: %v; want nil (the close handshake completed)", err)
	}
	if !fed {
		t.Fatal("the hook did not run")
	}
	var ce *CloseError
	if err := c.Err(); !errors.As(err, &ce) || !ce.WasClean || ce.Code != StatusGoingAway {
		t.Errorf("Err: %v; want a clean close with %v", err, StatusGoingAway)
	}
	if out := pc.TakeOutput(); out == nil {
		t.Error("the peer's close frame was not answered")
	} else {
		PutOutput(out)
	}
}
