package natsfabric_test

import (
	"context"
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/nats-io/nats-server/v2/server"
)

// A realm with dots and a topic with bytes NATS forbids in subjects
// cross routers; the same topic in another realm does not.
func TestEscapedSubjects(t *testing.T) {
	a, _, c := cluster(t)
	sub, other, pub := c.joinRealm(t, realm2), c.join(t), a.joinRealm(t, realm2)
	const topic = "com.example.a*b>c.ü"
	got, stray := collect(t, sub, topic), collect(t, other, topic)
	if err := pub.Publish(ctxT(t), topic, wamp.List{"x"}, nil, nil); err != nil {
		t.Fatal(err)
	}
	if e := next(t, got); e.Args[0] != "x" {
		t.Fatalf("event %v", e.Args)
	}
	// realm1's subscriber gets realm1's publication first: realm2's was
	// not delivered to it.
	p1 := a.join(t)
	if err := p1.Publish(ctxT(t), topic, wamp.List{"realm1"}, nil, nil); err != nil {
		t.Fatal(err)
	}
	if e := next(t, stray); e.Args[0] != "realm1" {
		t.Fatalf("realm1 subscriber got %v", e.Args)
	}
}

// Past the NATS server's max_payload: a result comes back as ERROR
// wamp.error.payload_size_exceeded, a call fails over (here: no other
// callee, so it gets that ERROR too), a publication reaches the local
// subscribers only.
func TestPayloadOverNATSLimit(t *testing.T) {
	ns := startNATSWith(t, &server.Options{MaxPayload: 4096})
	a, c := newNode(t, ns, testOpts), newNode(t, ns, testOpts)
	callee, caller := c.join(t), a.join(t)
	big := strings.Repeat("x", 8192)
	if _, err := callee.Register(ctxT(t), "com.example.big", func(_ context.Context, inv *client.Invocation) (*client.Result, error) {
		if len(inv.Args) > 0 {
			return &client.Result{Args: wamp.List{"small"}}, nil
		}
		return &client.Result{Args: wamp.List{big}}, nil
	}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := callWhenRegistered(t, caller, "com.example.big", nil, nil); errorURI(err) != wamp.ErrPayloadSizeExceeded {
		t.Fatalf("big result: %v, want %s", err, wamp.ErrPayloadSizeExceeded)
	}
	if _, err := caller.Call(ctxT(t), "com.example.big", wamp.List{big}, nil, nil); errorURI(err) != wamp.ErrPayloadSizeExceeded {
		t.Fatalf("big call: %v, want %s", err, wamp.ErrPayloadSizeExceeded)
	}
	local := a.join(t)
	remote := c.join(t)
	evLocal, evRemote := collect(t, local, "com.example.t"), collect(t, remote, "com.example.t")
	for _, arg := range []string{big, "small"} {
		if err := caller.Publish(ctxT(t), "com.example.t", wamp.List{arg}, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	if e := next(t, evLocal); e.Args[0] != big {
		t.Fatal("the local subscriber did not get the big event")
	}
	if e := next(t, evRemote); e.Args[0] != "small" {
		t.Fatal("the remote subscriber got the big event")
	}
}
