package client_test

import (
	"context"
	"errors"
	"testing"

	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// r14bRouterSessions starts an in-process router and joins n sessions.
func r14bRouterSessions(t *testing.T, n int) []*client.Session {
	t.Helper()
	r, err := router.New(router.Config{Realms: []router.RealmConfig{{Name: "realm1", AllowAnonymous: true}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(context.Background()) })
	var ss []*client.Session
	for range n {
		s, err := client.Join(ctxT(t), r.Connect(), "realm1", client.JoinOptions{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close(); s.Wait(context.Background()) })
		ss = append(ss, s)
	}
	return ss
}

// TestCallBadCancelMode: a CancelMode the WAMP spec does not define
// ("abort", a misspelt "Kill") is refused by Call at once. It was sent in
// the CANCEL when ctx ended, which the router takes for a protocol
// violation: the caller's whole session was aborted, while Call itself
// returned ctx's error.
func TestCallBadCancelMode(t *testing.T) {
	ss := r14bRouterSessions(t, 2)
	callee, caller := ss[0], ss[1]
	started := make(chan struct{}, 1)
	if _, err := callee.Register(ctxT(t), "com.example.slow", func(ctx context.Context, _ *client.Invocation) (*client.Result, error) {
		started <- struct{}{}
		<-ctx.Done()
		return nil, ctx.Err()
	}, nil); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{"abort", "Kill"} {
		ctx, cancel := context.WithCancel(ctxT(t))
		go func() {
			select {
			case <-started:
				cancel()
			case <-ctx.Done():
			}
		}()
		_, err := caller.Call(ctx, "com.example.slow", nil, nil, &client.CallOptions{CancelMode: mode})
		cancel()
		if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, client.ErrSessionClosed) {
			t.Errorf("Call with CancelMode %q = %v; want it refused", mode, err)
		}
	}
	// The session lives on.
	if _, err := caller.Call(ctxT(t), "wamp.session.count", nil, nil, nil); err != nil {
		t.Fatalf("after the calls: %v (session: %v)", err, caller.Err())
	}
}

// TestRegisterSubscribeBadPolicy: a Match or Invoke policy the WAMP spec
// does not define is refused by Register and Subscribe, instead of being
// sent to the router, which aborted the session for it.
func TestRegisterSubscribeBadPolicy(t *testing.T) {
	s := r14bRouterSessions(t, 1)[0]
	h := func(context.Context, *client.Invocation) (*client.Result, error) { return nil, nil }
	if _, err := s.Register(ctxT(t), "com.example.a", h, &client.RegisterOptions{Match: "regex"}); err == nil {
		t.Error("Register with Match regex succeeded")
	}
	if _, err := s.Register(ctxT(t), "com.example.b", h, &client.RegisterOptions{Invoke: "round_robin"}); err == nil {
		t.Error("Register with Invoke round_robin succeeded")
	}
	if _, err := s.Subscribe(ctxT(t), "com.example.c", nil, &client.SubscribeOptions{Match: "Prefix"}); err == nil {
		t.Error("Subscribe with Match Prefix succeeded")
	}
	if _, err := s.Call(ctxT(t), "wamp.session.count", nil, nil, nil); err != nil {
		t.Fatalf("after the refusals: %v (session: %v)", err, s.Err())
	}
	// The spec's policies still go through.
	if _, err := s.Register(ctxT(t), "com.example", h, &client.RegisterOptions{Match: "prefix", Invoke: "roundrobin"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Subscribe(ctxT(t), "com.example", nil, &client.SubscribeOptions{Match: "exact"}); err != nil {
		t.Fatal(err)
	}
}
