package rawsocket_test

import (
	"bytes"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/rawsocket"
)

// A connection read by Recv (a client's session, which never parks in
// AwaitInput) does not keep the buffer of one large message for the rest
// of its life: after a 1 MiB message and a small one it holds at most
// 64 KiB, as package ws does. It kept the 1 MiB (up to 16 MiB) buffer.
func TestReview15bLargePayloadNotKept(t *testing.T) {
	c, nc := rawPeer(t, 0)
	send := func(args ...any) {
		t.Helper()
		p, err := json.Serializer{}.AppendMessage(nil, &wamp.Event{Subscription: 1, Publication: 2, Details: wamp.Dict{}, Args: args})
		if err != nil {
			t.Fatal(err)
		}
		go nc.Write(append(rawsocket.AppendHeader(nil, rawsocket.FrameRegular, len(p)), p...))
		m, err := c.Recv(ctxT(t))
		if err != nil {
			t.Fatal(err)
		}
		if e, ok := m.(*wamp.Event); !ok || len(e.Args) != len(args) {
			t.Fatalf("Recv: %T", m)
		}
	}
	send(bytes.Repeat([]byte("x"), 1<<20))
	send("small")
	if n := rawsocket.PayloadCap(c); n > 64<<10 {
		t.Fatalf("after a small message the connection keeps a payload buffer of %d bytes", n)
	}
}
