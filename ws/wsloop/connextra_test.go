package wsloop_test

import (
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/ws"
)

// stateInOnOpen hands the TLS state that a goroutine started by OnOpen
// reads from the ws.Conn.
type stateInOnOpen struct {
	ws.BaseHandler
	got chan bool // HandshakeComplete
}

func (h *stateInOnOpen) OnOpen(c *ws.Conn) {
	go func() {
		st, ok := c.ConnectionState()
		h.got <- ok && st.HandshakeComplete
	}()
}

// TestConnectionStateFromOnOpen: a goroutine that OnOpen starts may read
// the connection's TLS state at once. A Server's ws:// connection lets go
// of its handshake record (and with it the pointer that TLS state is
// found by) before OnOpen, not while such a goroutine reads it: -race
// finds the race if the order is reversed.
func TestConnectionStateFromOnOpen(t *testing.T) {
	h := &stateInOnOpen{got: make(chan bool, 8)}
	u, _ := serve(t, h, nil, eventloop.Config{Loops: 1})
	for range 8 {
		dial(t, u, nil)
		select {
		case complete := <-h.got:
			if complete {
				t.Fatal("a ws:// connection reports a TLS handshake")
			}
		case <-time.After(10 * time.Second):
			t.Fatal("OnOpen's goroutine did not answer")
		}
	}
}
