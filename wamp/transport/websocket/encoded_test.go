package websocket_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/serialize/msgpack"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
	"github.com/autobahn-go/autobahn/ws"
)

// SendEncoded sends a message encoded once: as is in the connection's
// serializer (plain, or as a batch of one in a batched subprotocol),
// encoded anew in another; Send and SendNow take an Encoded the same way.
func TestSendEncoded(t *testing.T) {
	ev := &wamp.Event{Subscription: 3, Publication: 4, Details: wamp.Dict{"topic": "a.b"}, Args: wamp.List{[]byte{0, 0x18, 0xff}, "x\x18y"}}
	for _, s := range all {
		for _, batched := range []bool{false, true} {
			t.Run(websocket.Subprotocol(s, batched), func(t *testing.T) {
				opts := websocket.Options{Serializers: []wamp.Serializer{s}, Batched: batched}
				srv := startServer(t, false, opts, echo)
				c := dial(t, srv.url(), opts)
				ctx := ctxT(t)
				b, err := s.AppendMessage(nil, ev)
				if err != nil {
					t.Fatal(err)
				}
				own := &wamp.Encoded{Message: ev, Serializer: s, Bytes: b}
				if err := c.SendEncoded(ctx, own); err != nil {
					t.Fatal(err)
				}
				received(t, ctx, c, ev)
				if err := c.Send(ctx, own); err != nil {
					t.Fatal(err)
				}
				received(t, ctx, c, ev)
				// Bytes of another serializer are not sent: Message is.
				other := wamp.Serializer(json.Serializer{})
				if s.Name() == "json" {
					other = msgpack.Serializer{}
				}
				ob, err := other.AppendMessage(nil, ev)
				if err != nil {
					t.Fatal(err)
				}
				if err := c.SendEncoded(ctx, &wamp.Encoded{Message: ev, Serializer: other, Bytes: ob}); err != nil {
					t.Fatal(err)
				}
				received(t, ctx, c, ev)
			})
		}
	}
}

// An Encoded over MaxMessagePayload is refused like any message.
func TestSendEncodedTooLarge(t *testing.T) {
	opts := websocket.Options{Serializers: []wamp.Serializer{json.Serializer{}}, WS: &ws.Options{MaxMessagePayload: 1000}}
	srv := startServer(t, false, opts, echo)
	c := dial(t, srv.url(), opts)
	big := &wamp.Event{Subscription: 1, Publication: 2, Details: wamp.Dict{}, Args: wamp.List{strings.Repeat("x", 2000)}}
	b, _ := json.Serializer{}.AppendMessage(nil, big)
	if err := c.SendEncoded(ctxT(t), &wamp.Encoded{Message: big, Serializer: json.Serializer{}, Bytes: b}); !errors.Is(err, websocket.ErrMessageTooLarge) {
		t.Fatalf("oversized SendEncoded: %v", err)
	}
}

// On the event loop SendNow sends an Encoded's bytes.
func TestLoopSendNowEncoded(t *testing.T) {
	ev := &wamp.Event{Subscription: 3, Publication: 4, Details: wamp.Dict{}, Args: wamp.List{"loop"}}
	b, _ := json.Serializer{}.AppendMessage(nil, ev)
	e := &wamp.Encoded{Message: ev, Serializer: json.Serializer{}, Bytes: b}
	opts := websocket.Options{Serializers: []wamp.Serializer{json.Serializer{}}}
	url := startLoopServer(t, opts, func(c *websocket.Conn) {
		if err := c.SendNow(e); err != nil {
			t.Error(err)
		}
	})
	c := dial(t, url, opts)
	received(t, ctxT(t), c, ev)
}
