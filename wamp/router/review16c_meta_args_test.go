package router_test

import (
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// An in-process client (Router.Connect, Pipe) hands the router its values
// as they are, so a role it names may be a wamp.URI: the filter_authroles
// of wamp.session.count and wamp.session.list take one, as every other
// string argument of the meta procedures does (kill_by_authrole's
// authrole, a topic). Before, such a list was refused with
// wamp.error.invalid_argument ("not a list of strings").
func TestReview16cMetaRoleFilterURIs(t *testing.T) {
	r := newRouter(t, nil)
	admin := join(t, r)
	role, _ := admin.Details()["authrole"].(string)
	if role == "" {
		t.Fatalf("no authrole in WELCOME: %v", admin.Details())
	}
	join(t, r)
	filter := wamp.List{wamp.List{wamp.URI("com.example.nobody"), wamp.URI(role)}}
	if n := asInt(t, result0(t, metaCall(t, admin, "wamp.session.count", filter, nil))); n != 2 {
		t.Fatalf("count(%v) = %d, want 2", filter, n)
	}
	ids, _ := result0(t, metaCall(t, admin, "wamp.session.list", filter, nil)).(wamp.List)
	if len(ids) != 2 {
		t.Fatalf("list(%v) = %v, want 2 sessions", filter, ids)
	}
	metaRefused(t, admin, "wamp.session.count", wamp.List{wamp.List{wamp.URI(role), 7}}, nil, wamp.ErrInvalidArgument)
}

// The topic filter of wamp.subscription.get_events takes an in-process
// caller's wamp.URI too (it was refused with wamp.error.invalid_argument,
// "want a URI").
func TestReview16cHistoryTopicURI(t *testing.T) {
	r := newRouter(t, func(c *router.Config) {
		c.Realms[0].EventHistory = []router.EventHistoryConfig{{URI: "com.hist.", Match: wamp.MatchPrefix, Limit: 4}}
	})
	s := join(t, r)
	publish(t, s, "com.hist.a", wamp.List{"a"}, nil)
	publish(t, s, "com.hist.b", wamp.List{"b"}, nil)
	sub, _ := subscribe(t, s, "com.hist.", &client.SubscribeOptions{Match: wamp.MatchPrefix})
	if got, _ := getEvents(t, s, sub.ID, wamp.Dict{"topic": wamp.URI("com.hist.b")}); !eqList(got, "b") {
		t.Fatalf("get_events(topic com.hist.b) = %v, want [b]", got)
	}
}

// get_events' limit given both positionally (Crossbar's form) and as
// kwargs.limit (the spec's) is refused with wamp.error.invalid_argument,
// as Crossbar's Python signature refuses an argument given twice; before,
// the keyword silently won (under the positional form's newest-first
// order).
func TestReview16cHistoryLimitTwice(t *testing.T) {
	r := newRouter(t, func(c *router.Config) {
		c.Realms[0].EventHistory = []router.EventHistoryConfig{{URI: "com.hist.t", Limit: 4}}
	})
	s := join(t, r)
	for _, a := range []string{"a", "b", "c"} {
		publish(t, s, "com.hist.t", wamp.List{a}, nil)
	}
	sub, _ := subscribe(t, s, "com.hist.t", nil)
	metaRefused(t, s, "wamp.subscription.get_events", wamp.List{uint64(sub.ID), 1}, wamp.Dict{"limit": 2}, wamp.ErrInvalidArgument)
	if got, _ := getEvents(t, s, sub.ID, wamp.Dict{"limit": 2}); !eqList(got, "a", "b") {
		t.Fatalf("get_events(limit 2) = %v, want [a b]", got)
	}
}
