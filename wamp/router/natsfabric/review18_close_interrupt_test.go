package natsfabric_test

import (
	"context"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
)

// A router whose Fabric closes while it runs a call from another router:
// the caller gets ERROR wamp.error.canceled and the local callee is
// interrupted, as when a local caller leaves. Before, the callee was not
// told and kept running a call nobody waited for.
func TestReview18CloseInterruptsServedCalls(t *testing.T) {
	a, _, c := cluster(t)
	started, interrupted := make(chan struct{}, 1), make(chan struct{}, 1)
	release := make(chan struct{})
	defer close(release)
	if _, err := c.join(t).Register(ctxT(t), "com.example.hold", func(ctx context.Context, _ *client.Invocation) (*client.Result, error) {
		started <- struct{}{}
		select {
		case <-ctx.Done():
			interrupted <- struct{}{}
		case <-release:
		}
		return &client.Result{}, nil
	}, nil); err != nil {
		t.Fatal(err)
	}
	caller := a.join(t)
	called := make(chan error, 1)
	go func() {
		_, err := callWhenRegistered(t, caller, "com.example.hold", nil, nil)
		called <- err
	}()
	select {
	case <-started:
	case err := <-called:
		t.Fatalf("the call ended before reaching the callee: %v", err)
	case <-time.After(15 * time.Second):
		t.Fatal("the call did not reach the callee")
	}
	if err := c.f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-called; errorURI(err) != wamp.ErrCanceled {
		t.Errorf("the caller got %v, want %s", err, wamp.ErrCanceled)
	}
	select {
	case <-interrupted:
	case <-time.After(10 * time.Second):
		t.Fatal("the callee of a call from another router still runs after the Fabric closed")
	}
}
