package router_test

import (
	"context"
	"errors"
	"testing"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/serialize/msgpack"
)

// A pending call on the loop gets exactly one final answer when its
// callee's connection drops without GOODBYE, and when the caller leaves,
// the callee is interrupted (its handler's ctx ends).
func TestReviewLoopCalleeDropsMidCall(t *testing.T) {
	r := newRouter(t, nil)
	url := serveLoop(t, r, eventloop.Config{Loops: 2})
	callee := joinWebSocket(t, url, json.Serializer{})
	caller := joinWebSocket(t, url, msgpack.Serializer{})
	started := make(chan struct{}, 4)
	interrupted := make(chan struct{}, 4)
	register(t, callee, "review.block", func(ctx context.Context, _ *client.Invocation) (*client.Result, error) {
		started <- struct{}{}
		<-ctx.Done()
		interrupted <- struct{}{}
		return nil, ctx.Err()
	}, nil)

	// 1. The caller leaves: the callee is interrupted.
	caller2 := joinWebSocket(t, url, json.Serializer{})
	errc := make(chan error, 1)
	go func() {
		_, err := caller2.Call(ctxT(t), "review.block", nil, nil, nil)
		errc <- err
	}()
	<-started
	if err := caller2.Leave(ctxT(t), ""); err != nil {
		t.Fatalf("Leave: %v", err)
	}
	if err := <-errc; !errors.Is(err, client.ErrSessionClosed) {
		t.Fatalf("Call during Leave: %v", err)
	}
	select {
	case <-interrupted:
	case <-ctxT(t).Done():
		t.Fatal("the callee was not interrupted when the caller left")
	}

	// 2. The callee's connection drops: the caller gets ERROR.
	go func() {
		_, err := caller.Call(ctxT(t), "review.block", nil, nil, nil)
		errc <- err
	}()
	<-started
	callee.Close()
	err := <-errc
	var we *client.Error
	if !errors.As(err, &we) || we.URI != wamp.ErrCanceled {
		t.Fatalf("Call when the callee dropped: %v, want ERROR %s", err, wamp.ErrCanceled)
	}
	waitFor(t, "one session left", func() bool { return r.SessionCount(realm1) == 1 })
}
