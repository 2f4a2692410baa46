package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// The demo procedures of `autobahn serve` (on by default, --demo=false
// turns them off; not registered with --config): an in-process session
// joined over Router.Connect, no socket, registers
//
//	com.example.add2  (a, b int) → a + b
//	com.example.echo  (args..., kwargs) → the same args and kwargs
//
// for the WAMP tab of the demo page and any client that wants something
// to call. Pub/sub needs nothing of the server: the page subscribes and
// publishes itself.

const (
	demoAdd2 wamp.URI = "com.example.add2"
	demoEcho wamp.URI = "com.example.echo"
)

// startDemo joins realm of r in-process and registers the demo
// procedures; the returned session ends with the router (or Close).
func startDemo(ctx context.Context, r *router.Router, realm wamp.URI) (*client.Session, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	s, err := client.Join(ctx, r.Connect(), realm, client.JoinOptions{})
	if err != nil {
		return nil, fmt.Errorf("demo session: %w", err)
	}
	// Shared: with a fabric (autobahn-fabric serve --nats) every router
	// of the cluster registers them, and a single registration is single
	// cluster-wide (the second router's would be refused).
	shared := &client.RegisterOptions{Invoke: "roundrobin"}
	if _, err := s.Register(ctx, demoAdd2, demoAdd2Handler, shared); err != nil {
		s.Close()
		return nil, fmt.Errorf("demo: register %s: %w", demoAdd2, err)
	}
	if _, err := s.Register(ctx, demoEcho, demoEchoHandler, shared); err != nil {
		s.Close()
		return nil, fmt.Errorf("demo: register %s: %w", demoEcho, err)
	}
	return s, nil
}

// demoAdd2Handler adds two integers; anything else is
// wamp.error.invalid_argument with the reason as its argument.
func demoAdd2Handler(_ context.Context, inv *client.Invocation) (*client.Result, error) {
	var a, b int64
	if err := client.DecodeArgs(inv.Args, &a, &b); err != nil {
		return nil, &client.Error{URI: wamp.ErrInvalidArgument, Args: wamp.List{err.Error()}}
	}
	return &client.Result{Args: wamp.List{a + b}}, nil
}

// demoEchoHandler returns its arguments unchanged.
func demoEchoHandler(_ context.Context, inv *client.Invocation) (*client.Result, error) {
	return &client.Result{Args: inv.Args, Kwargs: inv.Kwargs}, nil
}
