package ws

import (
	"errors"
	"testing"
	"time"
)

// TestKeepaliveBehindStuckWrite: a peer that reads nothing and sends
// nothing, while a write with no deadline of its own is stuck on it, is
// dropped by the keepalive (PingInterval + PingTimeout) as any silent
// peer is: the reader gets a *CloseError with 1006 and the stuck write
// returns an error. The keepalive's ping waited for the frame lock behind
// that write, and its timeout was never checked: both hung for as long as
// the peer kept the connection open.
func TestKeepaliveBehindStuckWrite(t *testing.T) {
	_, peer, read, wrote := pullBehindStuckWrite(t, &Options{PingInterval: 50 * time.Millisecond, PingTimeout: 100 * time.Millisecond, CloseTimeout: 100 * time.Millisecond})
	select {
	case err := <-read:
		var ce *CloseError
		if !errors.As(err, &ce) || ce.Code != StatusAbnormalClosure {
			t.Errorf("ReadMessage: %v, want a *CloseError with 1006", err)
		}
	case <-time.After(5 * time.Second):
		_ = peer.Close() // let both go
		<-read
		t.Error("no ping timeout behind the stuck write")
	}
	if err := <-wrote; err == nil {
		t.Error("the stuck write succeeded")
	}
}
