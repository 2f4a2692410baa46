package router_test

import (
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// wamp.subscription.get_events shows a subscription's events only to a
// session that may subscribe to it (as Crossbar asks both call and
// subscribe permission): a role allowed to call the meta API but not to
// subscribe to a topic does not read that topic's history through it.
func TestReview14HistoryNeedsSubscribePermission(t *testing.T) {
	r := newRouter(t, func(c *router.Config) {
		withPrincipals(map[string]string{"ann": "admin"})(c)
		c.Realms[0].Roles = []router.RoleConfig{
			{Name: "admin", Permissions: []router.Permission{
				{URI: "", Match: wamp.MatchPrefix, Allow: router.Allow{Call: true, Publish: true, Subscribe: true}},
			}},
			{Name: "anonymous", Permissions: []router.Permission{
				{URI: "", Match: wamp.MatchPrefix, Allow: router.Allow{Call: true}},
				{URI: "com.open", Allow: router.Allow{Subscribe: true}},
			}},
		}
		c.Realms[0].EventHistory = []router.EventHistoryConfig{{URI: "com.secret"}, {URI: "com.open"}}
	})
	ann := joinAuthID(t, r, "ann")
	publish(t, ann, "com.secret", wamp.List{"secret"}, nil)
	publish(t, ann, "com.open", wamp.List{"open"}, nil)
	secret, _ := subscribe(t, ann, "com.secret", nil)
	open, _ := subscribe(t, ann, "com.open", nil)

	anon := join(t, r)
	// The subscription's ID is no secret: the meta API tells it.
	if id, _ := wamp.AsID(result0(t, metaCall(t, anon, "wamp.subscription.lookup", wamp.List{"com.secret"}, nil))); id != secret.ID {
		t.Fatalf("lookup com.secret = %d, want %d", id, secret.ID)
	}
	metaRefused(t, anon, "wamp.subscription.get_events", wamp.List{uint64(secret.ID)}, nil, wamp.ErrNotAuthorized)
	// Allowed to subscribe to com.open, subscribed or not.
	if got, _ := getEvents(t, anon, open.ID, nil); !eqList(got, "open") {
		t.Fatalf("get_events(com.open) = %v", got)
	}
	if got, _ := getEvents(t, ann, secret.ID, nil); !eqList(got, "secret") {
		t.Fatalf("admin's get_events(com.secret) = %v", got)
	}
}
