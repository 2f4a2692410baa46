package ws

import "testing"

// TestReview16PushCloseCrossing: on a push-mode Conn (an event-loop
// driver), a close frame or a protocol fault from the peer that the loop
// reads while a Close on another goroutine has taken the closing
// handshake (flagCloseSent) but not yet queued its frame is answered with
// a close frame. The loop's side took the flag to mean that Close's frame
// was on its way and queued none, then ended the connection, whose queue
// then refused Close's frame: the peer got no close frame at all and saw
// the TCP connection end (1006) in a close that crossed ours. The
// interleaving is made by taking the flag as Close does before it queues
// its frame (Close cannot be stopped there from outside: nothing of the
// driver's runs in that window without the Conn's lock).
func TestReview16PushCloseCrossing(t *testing.T) {
	key := [4]byte{1, 2, 3, 4}
	for _, tc := range []struct {
		name string
		in   []byte
		want StatusCode
	}{
		{"peer's close", AppendFrame(nil, OpClose, true, true, key, AppendClosePayload(nil, StatusGoingAway, "bye")), StatusGoingAway},
		{"peer's fault", AppendFrame(nil, OpText, true, false, key, []byte("unmasked")), StatusProtocolError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeOutput{}
			pc := NewPushConn(f, RoleServer, Negotiated{}, &Options{PingInterval: -1}, OutputBounds{})
			c := pc.Conn()
			t.Cleanup(func() { _ = c.CloseNow() })
			c.mu.Lock()
			c.setFlag(flagCloseSent, true) // Close's first step
			c.mu.Unlock()
			if pc.Feed(tc.in, BaseHandler{}) {
				t.Fatal("Feed: the connection is still open")
			}
			// Close's second step: refused, one close frame being queued.
			_ = c.pushControl(OpClose, AppendClosePayload(nil, StatusNormalClosure, ""))
			out := pc.TakeOutput()
			if out == nil {
				t.Fatal("no close frame queued for the peer")
			}
			defer PutOutput(out)
			var p Parser
			p.Reset(ParserConfig{Role: RoleClient})
			n, ev, err := p.Parse(*out)
			if err != nil || ev.Kind != EventClose || n != len(*out) {
				t.Fatalf("output %q: %v %v, want one close frame", *out, ev.Kind, err)
			}
			if ev.Code != tc.want {
				t.Errorf("close code %v, want %v", ev.Code, tc.want)
			}
		})
	}
}
