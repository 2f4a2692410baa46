package router_test

import (
	"math"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/rawsocket"
)

// An EVENT the subscriber's serializer cannot carry (a NaN or an infinity,
// which a MessagePack or CBOR publisher may send, for a JSON subscriber)
// is dropped for that subscriber and counted, live (fan-out) and retained
// (get_retained); the subscriber gets the events after it and keeps its
// session, which used to end on the failed write.
func TestUnencodableEventDropped(t *testing.T) {
	r := newRouter(t, nil)
	c, err := rawsocket.Dial(ctxT(t), "tcp", serveRawSocket(t, r), rawsocket.Options{Serializer: json.Serializer{}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	sub := &raw{t: t, tr: c}
	rawJoin(t, c)
	pub := join(t, r)
	ack := &client.PublishOptions{Acknowledge: true}

	subscribe := func(req wamp.ID, topic wamp.URI, options wamp.Dict) {
		t.Helper()
		sub.send(&wamp.Subscribe{Request: req, Options: options, Topic: topic})
		if m, ok := sub.recv().(*wamp.Subscribed); !ok || m.Request != req {
			t.Fatalf("SUBSCRIBE %s: got %v", topic, m)
		}
	}
	next := func(want string) {
		t.Helper()
		m, ok := sub.recv().(*wamp.Event)
		if !ok || len(m.Args) != 1 || m.Args[0] != want {
			t.Fatalf("got %v, want the EVENT %q", m, want)
		}
	}

	subscribe(1, "com.example.live", wamp.Dict{})
	for _, args := range []wamp.List{{math.NaN()}, {math.Inf(1), "x"}, {"after"}} {
		if err := pub.Publish(ctxT(t), "com.example.live", args, nil, ack); err != nil {
			t.Fatal(err)
		}
	}
	next("after")

	if err := pub.Publish(ctxT(t), "com.example.retained", wamp.List{math.Inf(-1)}, nil,
		&client.PublishOptions{Acknowledge: true, Retain: true}); err != nil {
		t.Fatal(err)
	}
	subscribe(2, "com.example.retained", wamp.Dict{"get_retained": true})
	if err := pub.Publish(ctxT(t), "com.example.retained", wamp.List{"after retained"}, nil, ack); err != nil {
		t.Fatal(err)
	}
	next("after retained")
	if got := r.Stats().EventsDropped; got != 3 {
		t.Errorf("Stats.EventsDropped = %d, want 3", got)
	}
}
