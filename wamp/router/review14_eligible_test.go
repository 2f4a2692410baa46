package router_test

import (
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// The eligible lists restrict the receivers together: a subscriber gets
// the event only when it is in every eligible list given (WAMP spec,
// "Subscriber Black- and Whitelisting": all of the six statements must
// hold), not when it is in any one of them.
func TestReview14EligibleListsIntersect(t *testing.T) {
	r := newRouter(t, withPrincipals(map[string]string{"ann": "admin", "bob": "user", "cid": "user", "dan": "admin"}))
	pub := join(t, r)
	names := []string{"ann", "bob", "cid", "dan"}
	sess := map[string]*client.Session{}
	chans := map[string]chan *wamp.Event{}
	for _, n := range names {
		sess[n] = joinAuthID(t, r, n)
		_, chans[n] = subscribe(t, sess[n], "t", nil)
	}
	id := func(n string) wamp.ID { return sess[n].ID() }
	tests := []struct {
		name string
		opts client.PublishOptions
		want string // who gets it, in names' order
	}{
		{"authid and authrole", client.PublishOptions{EligibleAuthID: []string{"bob", "dan"}, EligibleAuthRole: []string{"admin"}}, "dan"},
		{"session and authrole", client.PublishOptions{Eligible: []wamp.ID{id("ann"), id("bob")}, EligibleAuthRole: []string{"user"}}, "bob"},
		{"session and authid", client.PublishOptions{Eligible: []wamp.ID{id("ann"), id("cid")}, EligibleAuthID: []string{"cid", "dan"}}, "cid"},
		{"all three and an exclude", client.PublishOptions{
			Eligible: []wamp.ID{id("ann"), id("bob"), id("cid")}, EligibleAuthID: []string{"bob", "cid", "dan"},
			EligibleAuthRole: []string{"user"}, ExcludeAuthID: []string{"cid"}}, "bob"},
		{"disjoint", client.PublishOptions{EligibleAuthID: []string{"ann"}, EligibleAuthRole: []string{"user"}}, ""},
	}
	for _, tt := range tests {
		publish(t, pub, "t", wamp.List{tt.name}, &tt.opts)
		var got []string
		for _, n := range names {
			if drainUntilMarker(t, pub, sess[n], chans[n]) {
				got = append(got, n)
			}
		}
		if g := strings.Join(got, ","); g != tt.want {
			t.Errorf("%s: delivered to [%s], want [%s]", tt.name, g, tt.want)
		}
	}
}

// The same rule holds for get_events: an event whose eligible_authid and
// eligible_authrole lists do not both admit the caller is left out.
func TestReview14HistoryEligibleListsIntersect(t *testing.T) {
	r := newRouter(t, func(c *router.Config) {
		withPrincipals(map[string]string{"ann": "admin", "bob": "user", "dan": "admin"})(c)
		c.Realms[0].EventHistory = []router.EventHistoryConfig{{URI: "com.hist.elig"}}
	})
	pub := join(t, r)
	publish(t, pub, "com.hist.elig", wamp.List{"bob-admin"}, &client.PublishOptions{
		EligibleAuthID: []string{"bob"}, EligibleAuthRole: []string{"admin"}})
	publish(t, pub, "com.hist.elig", wamp.List{"dan-admin"}, &client.PublishOptions{
		EligibleAuthID: []string{"dan"}, EligibleAuthRole: []string{"admin"}})
	publish(t, pub, "com.hist.elig", wamp.List{"all"}, nil)
	for n, want := range map[string][]any{"ann": {"all"}, "bob": {"all"}, "dan": {"dan-admin", "all"}} {
		s := joinAuthID(t, r, n)
		sub, _ := subscribe(t, s, "com.hist.elig", nil)
		if got, _ := getEvents(t, s, sub.ID, nil); !eqList(got, want...) {
			t.Errorf("%s: get_events = %v, want %v", n, got, want)
		}
	}
}
