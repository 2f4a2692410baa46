package router_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// Two listeners with authentication of their own, as Crossbar transports
// with different "auth": "public" lets anyone in anonymously, "internal"
// only the backend by ticket, one session at a time. A real server
// attaches each accepted connection with r.Endpoint(name).Attach(conn);
// Connect does the same in process.
func ExampleRouter_Endpoint() {
	r, err := router.New(router.Config{
		Realms: []router.RealmConfig{{Name: "realm1"}},
		Endpoints: map[string]router.EndpointConfig{
			"public": {Realms: map[wamp.URI]router.AuthConfig{"realm1": {AllowAnonymous: true}}},
			"internal": {MaxSessions: 1, Realms: map[wamp.URI]router.AuthConfig{"realm1": {
				Tickets: map[string]router.TicketPrincipal{"backend": {Ticket: "s3cret", Role: "backend"}},
			}}},
		},
	})
	if err != nil {
		panic(err)
	}
	defer r.Close(context.Background())
	ctx := context.Background()
	backend := client.JoinOptions{AuthID: "backend", Authenticators: []client.Authenticator{&client.Ticket{Ticket: "s3cret"}}}
	for _, c := range []struct {
		endpoint string
		opts     client.JoinOptions
	}{
		{"public", client.JoinOptions{}},
		{"public", backend}, // the backend's ticket is unknown here
		{"internal", client.JoinOptions{}},
		{"internal", backend},
		{"internal", backend}, // one session at a time
	} {
		s, err := client.Join(ctx, r.Endpoint(c.endpoint).Connect(), "realm1", c.opts)
		var ae *client.AbortError
		if errors.As(err, &ae) {
			fmt.Println(c.endpoint, "refused:", ae.Reason)
			continue
		}
		if err != nil {
			panic(err)
		}
		defer s.Close()
		fmt.Println(c.endpoint, "joined as", s.Details()["authrole"])
	}
	fmt.Println("internal refused", r.Endpoint("internal").Refused(), "for being full")
	// Output:
	// public joined as anonymous
	// public refused: wamp.error.no_auth_method
	// internal refused: wamp.error.not_authorized
	// internal joined as backend
	// internal refused: wamp.error.endpoint_full
	// internal refused 1 for being full
}
