package router_test

import (
	"context"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// An anonymous session does not get the authid its HELLO claims (as in
// Crossbar, which gives it a generated one): nothing authenticated it, so
// it must not pass for an authenticated user — an anonymous client that
// claimed "alice" got the events published for eligible_authid
// ["alice"], and callees saw it as alice.
func TestReview14bAnonymousClaimsNoAuthID(t *testing.T) {
	r := newRouter(t, func(c *router.Config) {
		c.Realms[0].Tickets = map[string]router.TicketPrincipal{"alice": {Ticket: "secret", Role: "user"}}
	})
	ctx := ctxT(t)
	mallory, err := client.Join(ctx, r.Connect(), realm1, client.JoinOptions{AuthID: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	defer mallory.Close()
	if got := mallory.Details()["authid"]; got == "alice" {
		t.Errorf("anonymous session welcomed with the authid it claimed: %v", got)
	}
	events := make(chan *wamp.Event, 2)
	if _, err := mallory.Subscribe(ctx, "com.example.private", func(e *wamp.Event) { events <- e }, nil); err != nil {
		t.Fatal(err)
	}
	pub := join(t, r)
	ack := &client.PublishOptions{Acknowledge: true}
	if err := pub.Publish(ctx, "com.example.private", wamp.List{"for alice"}, nil,
		&client.PublishOptions{Acknowledge: true, EligibleAuthID: []string{"alice"}}); err != nil {
		t.Fatal(err)
	}
	if err := pub.Publish(ctx, "com.example.private", wamp.List{"for all"}, nil, ack); err != nil {
		t.Fatal(err)
	}
	select {
	case e := <-events: // events come in order: "for alice" first, if at all
		if e.Args[0] != "for all" {
			t.Fatalf("anonymous session claiming alice got %v", e.Args)
		}
	case <-ctx.Done():
		t.Fatal(ctx.Err())
	}

	// Callees see the caller's authid as the router knows it.
	callee := join(t, r)
	if _, err := callee.Register(ctx, "com.example.whoami", func(_ context.Context, inv *client.Invocation) (*client.Result, error) {
		return &client.Result{Args: wamp.List{inv.Details["caller_authid"]}}, nil
	}, &client.RegisterOptions{DiscloseCaller: true}); err != nil {
		t.Fatal(err)
	}
	res, err := mallory.Call(ctx, "com.example.whoami", nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Args[0] == "alice" {
		t.Errorf("callee saw the anonymous caller as %v", res.Args[0])
	}
}
