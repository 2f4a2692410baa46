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
	interrupted, called := holdCall(t, c, a)
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

// holdCall registers com.example.hold on callee's router, whose handler
// holds the call until the test ends or it is interrupted (then it signals
// interrupted), calls it from a session on caller's router, and returns
// once the call has reached the callee; called gets the call's end.
func holdCall(t *testing.T, callee, caller *node) (interrupted <-chan struct{}, called <-chan error) {
	t.Helper()
	started, intr := make(chan struct{}, 1), make(chan struct{}, 1)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	if _, err := callee.join(t).Register(ctxT(t), "com.example.hold", func(ctx context.Context, _ *client.Invocation) (*client.Result, error) {
		started <- struct{}{}
		select {
		case <-ctx.Done():
			intr <- struct{}{}
		case <-release:
		}
		return &client.Result{}, nil
	}, nil); err != nil {
		t.Fatal(err)
	}
	s := caller.join(t)
	done := make(chan error, 1)
	go func() {
		_, err := callWhenRegistered(t, s, "com.example.hold", nil, nil)
		done <- err
	}()
	select {
	case <-started:
	case err := <-done:
		t.Fatalf("the call ended before reaching the callee: %v", err)
	case <-time.After(15 * time.Second):
		t.Fatal("the call did not reach the callee")
	}
	return intr, done
}
