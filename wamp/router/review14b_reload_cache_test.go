package router_test

import (
	"context"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// A dynamic authorizer's cacheable decision that comes back after a
// Reload replaced the role's authorizer is not kept: the next action of
// the session is decided by the new configuration's authorizer (the old
// decision was cached under the new configuration and allowed it).
func TestReview14bReloadDropsInFlightDecision(t *testing.T) {
	cfgWith := func(procedure wamp.URI) router.Config {
		return router.Config{HelloTimeout: 10 * time.Second, Realms: []router.RealmConfig{
			{Name: realm1, AllowAnonymous: true},
			{Name: "guarded", AllowAnonymous: true, AnonymousRole: "user", Roles: []router.RoleConfig{
				{Name: "user", Authorizer: &router.ProcedureAuthorizer{Procedure: procedure, Realm: realm1}},
			}},
		}}
	}
	r := newRouter(t, func(c *router.Config) { *c = cfgWith("com.example.authz.old") })
	ctx := ctxT(t)
	authz := join(t, r)
	called, release := make(chan struct{}, 1), make(chan struct{})
	if _, err := authz.Register(ctx, "com.example.authz.old", func(context.Context, *client.Invocation) (*client.Result, error) {
		select {
		case called <- struct{}{}:
		default:
		}
		<-release
		return &client.Result{Args: wamp.List{wamp.Dict{"allow": true, "cache": true}}}, nil
	}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := authz.Register(ctx, "com.example.authz.new", func(context.Context, *client.Invocation) (*client.Result, error) {
		return &client.Result{Args: wamp.List{false}}, nil
	}, nil); err != nil {
		t.Fatal(err)
	}
	s, err := client.Join(ctx, r.Connect(), "guarded", client.JoinOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ack := &client.PublishOptions{Acknowledge: true}
	first := make(chan error, 1)
	go func() { first <- s.Publish(ctx, "com.example.topic", nil, nil, ack) }()
	<-called // the old authorizer is deciding
	if err := r.Reload(cfgWith("com.example.authz.new")); err != nil {
		t.Fatal(err)
	}
	close(release)
	if err := <-first; err != nil {
		t.Fatalf("the publish the old authorizer allowed: %v", err)
	}
	wantWAMPError(t, s.Publish(ctx, "com.example.topic", nil, nil, ack), wamp.ErrNotAuthorized)
}
