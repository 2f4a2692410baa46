package router_test

import (
	"slices"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
)

func TestMetaSubscription(t *testing.T) {
	r := newRouter(t, nil)
	s := join(t, r)
	lists := byMatchLists(t, result0(t, metaCall(t, s, "wamp.subscription.list", nil, nil)))
	for m, l := range lists {
		if len(l) != 0 {
			t.Fatalf("subscription.list[%s] = %v with no subscriptions", m, l)
		}
	}
	if got := idList(t, result0(t, metaCall(t, s, "wamp.subscription.match", wamp.List{"com.example.t"}, nil))); len(got) != 0 {
		t.Fatalf("subscription.match with none = %v", got)
	}

	a, b := join(t, r), join(t, r)
	before := time.Now().Add(-time.Second)
	exact, ach := subscribe(t, a, "com.example.t", nil)
	exactB, bch := subscribe(t, b, "com.example.t", nil)
	prefix, _ := subscribe(t, a, "com.example", &client.SubscribeOptions{Match: "prefix"})
	wild, _ := subscribe(t, b, "com..t", &client.SubscribeOptions{Match: "wildcard"})
	if exact.ID != exactB.ID {
		t.Fatal("subscription IDs differ")
	}

	lists = byMatchLists(t, result0(t, metaCall(t, s, "wamp.subscription.list", nil, nil)))
	if !slices.Equal(lists["exact"], []wamp.ID{exact.ID}) || !slices.Equal(lists["prefix"], []wamp.ID{prefix.ID}) ||
		!slices.Equal(lists["wildcard"], []wamp.ID{wild.ID}) {
		t.Fatalf("subscription.list = %v", lists)
	}
	lookups := []struct {
		args wamp.List
		want wamp.ID
	}{
		{wamp.List{"com.example.t"}, exact.ID},
		{wamp.List{"com.example", wamp.Dict{"match": "prefix"}}, prefix.ID},
		{wamp.List{"com..t", wamp.Dict{"match": "wildcard"}}, wild.ID},
		{wamp.List{"com.example"}, 0},
	}
	for _, l := range lookups {
		v := result0(t, metaCall(t, s, "wamp.subscription.lookup", l.args, nil))
		if id, _ := wamp.AsID(v); id != l.want || (l.want == 0 && v != nil) {
			t.Errorf("subscription.lookup%v = %v, want %d", l.args, v, l.want)
		}
	}
	// match: every subscription an event would reach.
	if got := idList(t, result0(t, metaCall(t, s, "wamp.subscription.match", wamp.List{"com.example.t"}, nil))); !slices.Equal(got, sortedIDs(exact.ID, prefix.ID, wild.ID)) {
		t.Fatalf("subscription.match(com.example.t) = %v", got)
	}
	if got := idList(t, result0(t, metaCall(t, s, "wamp.subscription.match", wamp.List{"com.x.t"}, nil))); !slices.Equal(got, []wamp.ID{wild.ID}) {
		t.Fatalf("subscription.match(com.x.t) = %v", got)
	}

	d, _ := result0(t, metaCall(t, s, "wamp.subscription.get", wamp.List{prefix.ID}, nil)).(wamp.Dict)
	if id, _ := wamp.AsID(d["id"]); id != prefix.ID || d["uri"] != "com.example" || d["match"] != "prefix" || len(d) != 4 {
		t.Fatalf("subscription.get = %v", d)
	}
	created, err := time.Parse(time.RFC3339Nano, d["created"].(string))
	if err != nil || created.Before(before) || created.After(time.Now().Add(time.Second)) {
		t.Fatalf("created %v (%v)", d["created"], err)
	}
	if got := idList(t, result0(t, metaCall(t, s, "wamp.subscription.list_subscribers", wamp.List{exact.ID}, nil))); !slices.Equal(got, sortedIDs(a.ID(), b.ID())) {
		t.Fatalf("list_subscribers = %v", got)
	}
	if n := asInt(t, result0(t, metaCall(t, s, "wamp.subscription.count_subscribers", wamp.List{exact.ID}, nil))); n != 2 {
		t.Fatalf("count_subscribers = %d", n)
	}
	for _, p := range []wamp.URI{"wamp.subscription.get", "wamp.subscription.list_subscribers", "wamp.subscription.count_subscribers"} {
		metaRefused(t, s, p, wamp.List{wamp.MaxID}, nil, wamp.ErrNoSuchSubscription)
		metaRefused(t, s, p, wamp.List{-1}, nil, wamp.ErrInvalidArgument)
	}

	// remove_subscriber: a gets no more events of the subscription, b does.
	metaRefused(t, s, "wamp.subscription.remove_subscriber", wamp.List{exact.ID, wamp.MaxID}, nil, "wamp.error.no_such_session")
	metaRefused(t, s, "wamp.subscription.remove_subscriber", wamp.List{exact.ID, s.ID()}, nil, wamp.ErrNoSuchSubscription)
	metaRefused(t, s, "wamp.subscription.remove_subscriber", wamp.List{wamp.MaxID, a.ID()}, nil, wamp.ErrNoSuchSubscription)
	metaCall(t, s, "wamp.subscription.remove_subscriber", wamp.List{exact.ID, a.ID()}, nil)
	if got := idList(t, result0(t, metaCall(t, s, "wamp.subscription.list_subscribers", wamp.List{exact.ID}, nil))); !slices.Equal(got, []wamp.ID{b.ID()}) {
		t.Fatalf("list_subscribers after remove_subscriber = %v", got)
	}
	_, marker := subscribe(t, a, "com.example.marker", nil)
	publish(t, s, "com.example.t", wamp.List{"after"}, nil)
	publish(t, s, "com.example.marker", nil, nil)
	next(t, marker)
	if e := next(t, bch); e.Args[0] != "after" {
		t.Fatalf("b got %v", e.Args)
	}
	select {
	case e := <-ach:
		t.Fatalf("removed subscriber got %v", e.Args)
	default:
	}
	metaCall(t, s, "wamp.subscription.remove_subscriber", wamp.List{exact.ID, b.ID()}, nil)
	metaRefused(t, s, "wamp.subscription.get", wamp.List{exact.ID}, nil, wamp.ErrNoSuchSubscription)
}
