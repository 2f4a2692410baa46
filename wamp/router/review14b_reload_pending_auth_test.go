package router_test

import (
	"maps"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/auth"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// A static principal that a Reload removes between its CHALLENGE and its
// AUTHENTICATE is not let in (it was, with its old role, for the rest of
// the hello timeout; a ticket was already checked against the new
// configuration); a principal the Reload keeps still joins.
func TestReview14bReloadRevokesPendingChallenge(t *testing.T) {
	cfgWith := func(users map[string]router.CRAPrincipal) router.Config {
		return router.Config{Realms: []router.RealmConfig{{Name: realm1, CRA: users,
			Roles: []router.RoleConfig{{Name: "user", Permissions: []router.Permission{{URI: "", Match: wamp.MatchPrefix,
				Allow: router.Allow{Call: true, Register: true, Publish: true, Subscribe: true}}}}}}}}
	}
	users := map[string]router.CRAPrincipal{"bob": {Secret: "bob-s", Role: "user"}, "carol": {Secret: "carol-s", Role: "user"}}
	r := newRouter(t, func(c *router.Config) { *c = cfgWith(users) })
	challenge := func(c *raw, authid string) string {
		t.Helper()
		details := maps.Clone(helloDetails)
		details["authid"], details["authmethods"] = authid, wamp.List{"wampcra"}
		c.send(&wamp.Hello{Realm: realm1, Details: details})
		ch, ok := c.recv().(*wamp.Challenge)
		if !ok {
			t.Fatalf("%s: no CHALLENGE", authid)
		}
		s, _ := ch.Extra["challenge"].(string)
		return s
	}
	bob, carol := rawConn(t, r), rawConn(t, r)
	bobCh, carolCh := challenge(bob, "bob"), challenge(carol, "carol")

	if err := r.Reload(cfgWith(map[string]router.CRAPrincipal{"carol": users["carol"]})); err != nil {
		t.Fatal(err)
	}

	bob.send(&wamp.Authenticate{Signature: auth.SignCRA([]byte("bob-s"), bobCh), Extra: wamp.Dict{}})
	if got := bob.recv(); !isAbort(got, wamp.ErrAuthenticationFailed) {
		t.Fatalf("bob, removed by the reload, got %s %v; want ABORT %s", got.Type(), got, wamp.ErrAuthenticationFailed)
	}
	carol.send(&wamp.Authenticate{Signature: auth.SignCRA([]byte("carol-s"), carolCh), Extra: wamp.Dict{}})
	if got, ok := carol.recv().(*wamp.Welcome); !ok || got.Details["authid"] != "carol" {
		t.Fatalf("carol, kept by the reload, got %v; want WELCOME", got)
	}
}

func isAbort(m wamp.Message, reason wamp.URI) bool {
	a, ok := m.(*wamp.Abort)
	return ok && a.Reason == reason
}
