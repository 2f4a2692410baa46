package router_test

import (
	"context"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// The role "trusted" is the router's own (its calls to a
// ProcedureAuthenticator or ProcedureAuthorizer disclose caller_authrole
// "trusted", as Crossbar's router-internal sessions do): no client session
// joins with it, whoever gave it (a static principal, the anonymous role;
// an authenticator's principal joins the same way). Such a client could
// call those procedures passing for the router (it joined). (Static
// principals and the anonymous role with it are refused by New and Reload:
// review15b_config_bounds_test.go.)
func TestReview15TrustedRoleReserved(t *testing.T) {
	r := newRouter(t, func(c *router.Config) {
		c.Realms = append(c.Realms,
			router.RealmConfig{Name: "tickets", Authenticators: map[string]router.Authenticator{
				"ticket": router.AuthenticatorFunc(func(_ context.Context, req *router.AuthRequest) (*router.Principal, error) {
					if req.AuthID == "mallory" {
						return &router.Principal{AuthRole: "trusted"}, nil
					}
					return &router.Principal{AuthRole: "user"}, nil
				}),
			}},
		)
	})
	_, err := joinWith(t, r, "tickets", "mallory", &client.Ticket{Ticket: "t1cket"})
	wantAbort(t, err, wamp.ErrNoSuchRole)
	s, err := joinWith(t, r, "tickets", "tom", &client.Ticket{Ticket: "t1cket"})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
}
