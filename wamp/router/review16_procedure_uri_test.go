package router_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// A ProcedureAuthenticator or ProcedureAuthorizer whose procedure no
// client can register (a wamp.* URI, which is the router's: the router
// would call its own wamp.session.kill_all on every HELLO; or an invalid
// URI) is refused by New, naming the realm and the procedure.
func TestReview16ProcedureURIRefused(t *testing.T) {
	for _, u := range []wamp.URI{"wamp.session.kill_all", "not a uri"} {
		for _, rc := range []router.RealmConfig{
			{Name: "users", Authenticators: map[string]router.Authenticator{"ticket": &router.ProcedureAuthenticator{Procedure: u}}},
			{Name: "users", Roles: []router.RoleConfig{{Name: "user", Authorizer: &router.ProcedureAuthorizer{Procedure: u}}}},
		} {
			r, err := router.New(router.Config{Realms: []router.RealmConfig{rc}})
			if err == nil {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				r.Close(ctx)
				cancel()
				t.Fatalf("New with procedure %q in %+v: no error", u, rc)
			}
			if !strings.Contains(err.Error(), `"users"`) || !strings.Contains(err.Error(), string(u)) {
				t.Fatalf("New: %v, want the realm and %q named", err, u)
			}
		}
	}
}
