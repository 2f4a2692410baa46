package ws

import (
	"testing"
	"time"
)

// TestPingThenCloseBehindStuckWrite: the peer's close frame ends the
// connection within CloseTimeout while a write with no deadline of its
// own is stuck on that peer, also when a ping comes before the close. The
// reader waited for the frame lock to answer the ping, behind the stuck
// write, and never read the close: both hung for as long as the peer kept
// the connection open (TestPeerCloseBoundsStuckWrite without the ping).
func TestPingThenCloseBehindStuckWrite(t *testing.T) {
	_, peer, read, wrote := pullBehindStuckWrite(t, &Options{PingInterval: -1, CloseTimeout: 100 * time.Millisecond})
	key := [4]byte{5, 6, 7, 8}
	in := AppendFrame(nil, OpPing, true, true, key, []byte("are you there"))
	in = AppendFrame(in, OpClose, true, true, key, AppendClosePayload(nil, StatusNormalClosure, ""))
	if _, err := peer.Write(in); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-read:
		if err == nil {
			t.Error("ReadMessage: a message")
		}
	case <-time.After(5 * time.Second):
		_ = peer.Close() // let both go
		<-read
		t.Error("the reader still waits to answer the ping behind the stuck write")
	}
	if err := <-wrote; err == nil {
		t.Error("the stuck write succeeded")
	}
}
