package natsfabric_test

import (
	"context"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
)

// A call the fabric cannot encode for the callee's router (a string that
// is not UTF-8, from an in-process caller) is answered
// wamp.error.invalid_argument, as a local callee's serializer refusing
// it is; so is a further part of a progressive call invocation (and its
// callee is interrupted). Before, the caller got
// wamp.error.no_available_callee, "over its outbound queue limit or
// closing".
func TestReview18UnencodableCallAcrossRouters(t *testing.T) {
	a, _, c := cluster(t)
	if _, err := c.join(t).Register(ctxT(t), "com.example.echo", func(_ context.Context, inv *client.Invocation) (*client.Result, error) {
		return &client.Result{Args: inv.Args}, nil
	}, nil); err != nil {
		t.Fatal(err)
	}
	caller := a.join(t)
	if _, err := callWhenRegistered(t, caller, "com.example.echo", wamp.List{"\xff"}, nil); errorURI(err) != wamp.ErrInvalidArgument {
		t.Fatalf("unencodable call: %v, want %s", err, wamp.ErrInvalidArgument)
	}
	if res, err := caller.Call(ctxT(t), "com.example.echo", wamp.List{"fine"}, nil, nil); err != nil || res.Args[0] != "fine" {
		t.Fatalf("next call: %v %v", res, err)
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
	p.send(&wamp.Call{Request: 5, Options: wamp.Dict{"progress": true}, Procedure: "com.example.sum", Args: wamp.List{"\xff"}})
	p.expectError(5, wamp.ErrInvalidArgument)
	if in, ok := callee.recv().(*wamp.Interrupt); !ok || in.Request != inv.Request || in.Options["mode"] != "killnowait" {
		t.Fatalf("callee got %v, want INTERRUPT killnowait", in)
	}
}
