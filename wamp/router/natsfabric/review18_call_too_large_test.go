package natsfabric_test

import (
	"context"
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/nats-io/nats-server/v2/server"
)

// A call larger than the NATS server's max_payload, and a part of a
// progressive call invocation that large, are answered
// wamp.error.payload_size_exceeded, as a call larger than a local
// callee's transport takes is (the callee of the progressive call is
// interrupted). Before, the caller got wamp.error.no_available_callee,
// "over its outbound queue limit or closing".
func TestReview18CallOverNATSLimit(t *testing.T) {
	ns := startNATSWith(t, &server.Options{MaxPayload: 4096})
	a, c := newNode(t, ns, testOpts), newNode(t, ns, testOpts)
	big := strings.Repeat("x", 8192)
	if _, err := c.join(t).Register(ctxT(t), "com.example.echo", func(_ context.Context, inv *client.Invocation) (*client.Result, error) {
		return &client.Result{Args: inv.Args}, nil
	}, nil); err != nil {
		t.Fatal(err)
	}
	caller := a.join(t)
	if _, err := callWhenRegistered(t, caller, "com.example.echo", wamp.List{big}, nil); errorURI(err) != wamp.ErrPayloadSizeExceeded {
		t.Fatalf("big call: %v, want %s", err, wamp.ErrPayloadSizeExceeded)
	}

	callee := c.rawJoin(t, rawCallee)
	callee.send(&wamp.Register{Request: 1, Options: wamp.Dict{}, Procedure: "com.example.sum"})
	if _, ok := callee.recv().(*wamp.Registered); !ok {
		t.Fatal("not registered")
	}
	if _, err := c.join(t).Register(ctxT(t), "com.example.ready", func(context.Context, *client.Invocation) (*client.Result, error) {
		return &client.Result{}, nil
	}, nil); err != nil {
		t.Fatal(err)
	}
	callWhenKnown(t, caller, "com.example.ready") // C announces its registrations whole
	p := a.rawJoin(t, rawCaller)
	p.send(&wamp.Call{Request: 5, Options: wamp.Dict{"progress": true}, Procedure: "com.example.sum", Args: wamp.List{int64(1)}})
	inv, ok := callee.recv().(*wamp.Invocation)
	if !ok {
		t.Fatalf("callee got %v", inv)
	}
	p.send(&wamp.Call{Request: 5, Options: wamp.Dict{"progress": true}, Procedure: "com.example.sum", Args: wamp.List{big}})
	p.expectError(5, wamp.ErrPayloadSizeExceeded)
	if in, ok := callee.recv().(*wamp.Interrupt); !ok || in.Request != inv.Request || in.Options["mode"] != "killnowait" {
		t.Fatalf("callee got %v, want INTERRUPT killnowait", in)
	}
}
