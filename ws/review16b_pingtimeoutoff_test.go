package ws_test

import (
	"bufio"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/ws"
)

// TestReview16bPingTimeoutOff: a negative Options.PingTimeout turns the
// pong's timer off (Options: "a negative value turns a limit or timer
// off"): keepalive pings an idle peer every PingInterval and never drops
// it for want of a pong. The timeout resolved to 0, "now": the connection
// was dropped right after its first ping.
func TestReview16bPingTimeoutOff(t *testing.T) {
	srvSide, peer := r16bTCPPair(t)
	c := ws.NewConn(srvSide, ws.RoleServer, nil, ws.Negotiated{},
		&ws.Options{PingInterval: 20 * time.Millisecond, PingTimeout: -1})
	defer c.CloseNow()
	_ = peer.SetDeadline(time.Now().Add(5 * time.Second))
	br := bufio.NewReader(peer)
	for i := range 3 {
		op, p := r16bReadFrame(t, br)
		if op != 0x89 {
			t.Fatalf("frame %d: %#x %q, want a ping", i+1, op, p)
		}
	}
	select {
	case <-c.Done():
		t.Fatal("the connection ended")
	default:
	}
}
