package router_test

import (
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
// call those procedures passing for the router (it joined).
func TestReview15TrustedRoleReserved(t *testing.T) {
	r := newRouter(t, func(c *router.Config) {
		c.Realms = append(c.Realms,
			router.RealmConfig{Name: "tickets", Tickets: map[string]router.TicketPrincipal{
				"mallory": {Ticket: "t1cket", Role: "trusted"},
				"tom":     {Ticket: "t1cket", Role: "user"},
			}},
			router.RealmConfig{Name: "anon", AllowAnonymous: true, AnonymousRole: "trusted"},
		)
	})
	_, err := joinWith(t, r, "tickets", "mallory", &client.Ticket{Ticket: "t1cket"})
	wantAbort(t, err, wamp.ErrNoSuchRole)
	_, err = client.Join(ctxT(t), r.Connect(), "anon", client.JoinOptions{})
	wantAbort(t, err, wamp.ErrNoSuchRole)
	s, err := joinWith(t, r, "tickets", "tom", &client.Ticket{Ticket: "t1cket"})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
}
