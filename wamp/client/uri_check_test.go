package client_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
)

// A URI that breaks even the spec's loose rules is refused before it is
// sent: a router would end the session for it (or drop a PUBLISH without a
// word). Patterns follow their match policy. The session goes on.
func TestInvalidURIsRefusedBeforeSending(t *testing.T) {
	s, r := scriptedJoin(t)
	ctx, cancel := context.WithTimeout(ctxT(t), 2*time.Second) // without the check, the calls wait for answers
	defer cancel()
	nop := func(*wamp.Event) {}
	handler := func(context.Context, *client.Invocation) (*client.Result, error) { return &client.Result{}, nil }
	for _, tc := range []struct {
		name string
		do   func() error
	}{
		{"call empty component", func() error { _, err := s.Call(ctx, "com..x", nil, nil, nil); return err }},
		{"call whitespace", func() error { _, err := s.Call(ctx, "com.a b", nil, nil, nil); return err }},
		{"call empty", func() error { _, err := s.Call(ctx, "", nil, nil, nil); return err }},
		{"publish hash", func() error { return s.Publish(ctx, "com.a#b", nil, nil, nil) }},
		{"subscribe exact with empty component", func() error { _, err := s.Subscribe(ctx, "com..t", nop, nil); return err }},
		{"subscribe prefix with whitespace", func() error {
			_, err := s.Subscribe(ctx, "com. x", nop, &client.SubscribeOptions{Match: wamp.MatchPrefix})
			return err
		}},
		{"register exact with trailing dot", func() error { _, err := s.Register(ctx, "com.p.", handler, nil); return err }},
	} {
		if err := tc.do(); err == nil || !strings.Contains(err.Error(), "invalid") {
			t.Errorf("%s: %v, want an invalid URI error", tc.name, err)
		}
	}
	// Nothing of them reached the router.
	onlyMarkerFollows(t, s, r)
	// Patterns are valid under their own policy (the router answers them).
	ctx = ctxT(t)
	errc := make(chan error, 1)
	go func() {
		_, err := s.Subscribe(ctx, "com..t", nop, &client.SubscribeOptions{Match: wamp.MatchWildcard})
		errc <- err
	}()
	sub := recvType[*wamp.Subscribe](t, r)
	if sub.Topic != "com..t" || sub.Options["match"] != wamp.MatchWildcard {
		t.Fatalf("SUBSCRIBE %q %v", sub.Topic, sub.Options)
	}
	if err := r.Send(ctx, &wamp.Subscribed{Request: sub.Request, Subscription: 5}); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}
