package natsfabric_test

import (
	"context"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp/client"
)

// A caller's router that crashes: once the callee's router forgets it
// (TTL), the calls it had running there are interrupted, as a local
// caller's are when it leaves. Before, the callee was never told and the
// call stayed among the fabric's served calls until the callee answered.
func TestReview17CrashedCallerInterrupts(t *testing.T) {
	ns := startNATS(t)
	a, b := newNode(t, ns, crashOpts), newNode(t, ns, crashOpts)
	started, interrupted := make(chan struct{}, 1), make(chan struct{}, 1)
	release := make(chan struct{})
	defer close(release)
	if _, err := b.join(t).Register(ctxT(t), "com.example.hold", func(ctx context.Context, _ *client.Invocation) (*client.Result, error) {
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
	a.nc.Close() // A crashes: B forgets it past the TTL
	select {
	case <-interrupted:
	case <-time.After(10 * time.Second):
		t.Fatal("the callee of a call from a crashed router was not interrupted")
	}
	if err := <-called; errorURI(err) != "wamp.error.canceled" {
		t.Errorf("the caller on the crashed router got %v, want wamp.error.canceled", err)
	}
}
