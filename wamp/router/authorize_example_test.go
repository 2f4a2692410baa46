package router_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// Roles with static permissions: anonymous sessions may call what is under
// com.example.api. but not com.example.api.admin, and subscribe to
// anything; a role "auditor" is decided in code.
func ExampleRoleConfig() {
	r, err := router.New(router.Config{Realms: []router.RealmConfig{{
		Name: "realm1", AllowAnonymous: true, AnonymousRole: "frontend",
		Roles: []router.RoleConfig{{
			Name: "frontend",
			Permissions: []router.Permission{
				{URI: "", Match: wamp.MatchPrefix, Allow: router.Allow{Subscribe: true}},
				{URI: "com.example.api.", Match: wamp.MatchPrefix, Allow: router.Allow{Call: true}},
				{URI: "com.example.api.admin", Match: wamp.MatchExact},
			},
		}, {
			Name: "auditor",
			Authorizer: router.AuthorizerFunc(func(req *router.AuthorizeRequest) (router.Decision, error) {
				allow := req.Action == router.ActionSubscribe && strings.HasPrefix(string(req.URI), "com.example.audit.")
				return router.Decision{Allow: allow, Cache: true}, nil
			}),
		}},
	}}})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	defer r.Close(ctx)

	s, err := client.Join(ctx, r.Connect(), "realm1", client.JoinOptions{})
	if err != nil {
		panic(err)
	}
	defer s.Close()
	for _, proc := range []wamp.URI{"com.example.api.echo", "com.example.api.admin"} {
		_, err := s.Call(ctx, proc, nil, nil, nil)
		fmt.Println(proc, err)
	}
	// Output:
	// com.example.api.echo wamp: wamp.error.no_such_procedure: no callee registered for com.example.api.echo
	// com.example.api.admin wamp: wamp.error.not_authorized: session is not authorized to call "com.example.api.admin"
}
