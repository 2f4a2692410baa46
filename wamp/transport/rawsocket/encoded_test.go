package rawsocket_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/internal/vectors"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/rawsocket"
)

// SendEncoded sends a message encoded once: its bytes as one frame in
// the connection's serializer, Message encoded anew in another, refused
// over the peer's maximum; Send takes an Encoded the same way.
func TestSendEncoded(t *testing.T) {
	c, s := connected(t, 1024, 0) // json; the client accepts up to 1 KiB
	ctx := ctxT(t)
	ev := &wamp.Event{Subscription: 3, Publication: 4, Details: wamp.Dict{"topic": "a.b"}, Args: wamp.List{[]byte{0, 0xff}, "é"}}
	jb, _ := json.Serializer{}.AppendMessage(nil, ev)
	cb, _ := cbor.Serializer{}.AppendMessage(nil, ev)
	got := make(chan error, 4) // net.Pipe: the client reads while the server writes
	go func() {
		for range 4 {
			m, err := c.Recv(ctx)
			if err == nil {
				err = vectors.MessagesEqual(ev, m)
			}
			got <- err
		}
	}()
	for _, e := range []*wamp.Encoded{
		{Message: ev, Serializer: json.Serializer{}, Bytes: jb},
		{Message: ev, Serializer: cbor.Serializer{}, Bytes: cb},
	} {
		if err := s.SendEncoded(ctx, e); err != nil {
			t.Fatal(err)
		}
		if err := s.Send(ctx, e); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := <-got; err != nil {
				t.Fatalf("%s: %v", e.Serializer.Name(), err)
			}
		}
	}
	big := &wamp.Event{Subscription: 1, Publication: 2, Details: wamp.Dict{}, Args: wamp.List{strings.Repeat("x", 2000)}}
	bb, _ := json.Serializer{}.AppendMessage(nil, big)
	if err := s.SendEncoded(ctx, &wamp.Encoded{Message: big, Serializer: json.Serializer{}, Bytes: bb}); !errors.Is(err, rawsocket.ErrMessageTooLarge) {
		t.Fatalf("oversized SendEncoded: %v", err)
	}
}
