package router_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// getEvents calls wamp.subscription.get_events and returns the events'
// first arguments (their "args"[0]) and the events themselves.
func getEvents(t *testing.T, s *client.Session, sub wamp.ID, kwargs wamp.Dict) ([]any, []wamp.Dict) {
	t.Helper()
	res, err := s.Call(ctxT(t), "wamp.subscription.get_events", wamp.List{uint64(sub)}, kwargs, nil)
	if err != nil {
		t.Fatalf("get_events(%d, %v): %v", sub, kwargs, err)
	}
	list, ok := res.Args[0].(wamp.List)
	if len(res.Args) != 1 || !ok {
		t.Fatalf("get_events: result %v, want one list", res.Args)
	}
	var firsts []any
	var evs []wamp.Dict
	for _, v := range list {
		ev := v.(wamp.Dict)
		evs = append(evs, ev)
		args, _ := ev["args"].(wamp.List)
		if len(args) > 0 {
			firsts = append(firsts, args[0])
		} else {
			firsts = append(firsts, nil)
		}
	}
	return firsts, evs
}

func eqList(a []any, b ...any) bool { return fmt.Sprint(a) == fmt.Sprint([]any(b)) }

func TestEventHistory(t *testing.T) {
	r := newRouter(t, func(c *router.Config) {
		withPrincipals(map[string]string{"ann": "admin", "bob": "user"})(c)
		c.Realms[0].EventHistory = []router.EventHistoryConfig{
			{URI: "com.hist.exact", Limit: 3},
			{URI: "com.hist.", Match: wamp.MatchPrefix, Limit: 10},
		}
	})
	pub := join(t, r)
	// Kept before anyone subscribes: the history's subscription exists
	// from the start.
	for i := 1; i <= 5; i++ {
		publish(t, pub, "com.hist.exact", wamp.List{i}, nil)
	}
	bob := joinAuthID(t, r, "bob")
	sub, _ := subscribe(t, bob, "com.hist.exact", nil)
	got, evs := getEvents(t, bob, sub.ID, nil)
	if !eqList(got, 3, 4, 5) {
		t.Fatalf("history = %v, want the last 3 in order [3 4 5]", got)
	}
	ev := evs[0]
	if id, _ := wamp.AsID(ev["subscription"]); id != sub.ID {
		t.Fatalf("event %v: subscription %v, want %d", ev, ev["subscription"], sub.ID)
	}
	if id, _ := wamp.AsID(ev["publication"]); id == 0 {
		t.Fatalf("event %v: no publication ID", ev)
	}
	ts, err := time.Parse("2006-01-02T15:04:05.000Z", ev["timestamp"].(string))
	if err != nil || time.Since(ts) > time.Minute || time.Since(ts) < -time.Minute {
		t.Fatalf("timestamp %v: %v", ev["timestamp"], err)
	}
	if d, ok := ev["details"].(wamp.Dict); !ok || len(d) != 0 {
		t.Fatalf("details %v, want {} for an exact subscription and no disclosure", ev["details"])
	}
	if got, _ := getEvents(t, bob, sub.ID, wamp.Dict{"reverse": true, "limit": 2}); !eqList(got, 5, 4) {
		t.Fatalf("reverse, limit 2: %v", got)
	}
	pub4, _ := wamp.AsID(evs[1]["publication"])
	for _, tt := range []struct {
		kw   wamp.Dict
		want []any
	}{
		{wamp.Dict{"after_publication": uint64(pub4)}, []any{5}},
		{wamp.Dict{"from_publication": uint64(pub4)}, []any{4, 5}},
		{wamp.Dict{"before_publication": uint64(pub4)}, []any{3}},
		{wamp.Dict{"until_publication": uint64(pub4)}, []any{3, 4}},
		{wamp.Dict{"until_publication": uint64(pub4), "reverse": true, "limit": 1}, []any{4}},
		{wamp.Dict{"after_publication": 12345}, nil}, // not in the history
		{wamp.Dict{"from_time": ev["timestamp"]}, []any{3, 4, 5}},
		{wamp.Dict{"until_time": evs[2]["timestamp"]}, []any{3, 4, 5}},
		{wamp.Dict{"after_time": evs[2]["timestamp"]}, nil},
		{wamp.Dict{"before_time": ev["timestamp"]}, nil},
		{wamp.Dict{"before_time": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)}, []any{3, 4, 5}},
		{wamp.Dict{"topic": "com.hist.other"}, nil},
	} {
		if got, _ := getEvents(t, bob, sub.ID, tt.kw); !eqList(got, tt.want...) {
			t.Errorf("get_events %v = %v, want %v", tt.kw, got, tt.want)
		}
	}

	// A prefix history: Details.topic, the topic filter, disclosure; the
	// lists by authid and authrole filter what the caller gets; a
	// publication with a list of session IDs is not kept.
	ann := joinAuthID(t, r, "ann")
	psub, _ := subscribe(t, ann, "com.hist.", &client.SubscribeOptions{Match: wamp.MatchPrefix})
	if got, _ := getEvents(t, ann, psub.ID, nil); !eqList(got, 1, 2, 3, 4, 5) {
		t.Fatalf("prefix history = %v", got)
	}
	publish(t, pub, "com.hist.a", wamp.List{"a"}, &client.PublishOptions{DiscloseMe: true})
	publish(t, pub, "com.hist.b", wamp.List{"admins only"}, &client.PublishOptions{EligibleAuthRole: []string{"admin"}})
	publish(t, pub, "com.hist.b", wamp.List{"not bob"}, &client.PublishOptions{ExcludeAuthID: []string{"bob"}})
	publish(t, pub, "com.hist.b", wamp.List{"by session"}, &client.PublishOptions{Exclude: []wamp.ID{bob.ID()}})
	got, evs = getEvents(t, ann, psub.ID, wamp.Dict{"after_publication": evs[2]["publication"]})
	if !eqList(got, "a", "admins only", "not bob") {
		t.Fatalf("ann's history = %v", got)
	}
	d := evs[0]["details"].(wamp.Dict)
	if id, _ := wamp.AsID(d["publisher"]); d["topic"] != "com.hist.a" || id != pub.ID() {
		t.Fatalf("details = %v, want topic and publisher", d)
	}
	if got, _ := getEvents(t, bob, psub.ID, wamp.Dict{"topic": "com.hist.b"}); !eqList(got) {
		t.Fatalf("bob's com.hist.b history = %v, want none", got)
	}
	if got, _ := getEvents(t, ann, psub.ID, wamp.Dict{"topic": "com.hist.a"}); !eqList(got, "a") {
		t.Fatalf("topic filter: %v", got)
	}

	// The history's subscription outlives its subscribers: same ID.
	if err := bob.Unsubscribe(ctxT(t), sub); err != nil {
		t.Fatal(err)
	}
	publish(t, pub, "com.hist.exact", wamp.List{6}, nil)
	if got, _ := getEvents(t, ann, sub.ID, nil); !eqList(got, 4, 5, 6) {
		t.Fatalf("history without subscribers = %v", got)
	}

	// Errors.
	plain, _ := subscribe(t, bob, "com.nohist", nil)
	for _, tt := range []struct {
		args wamp.List
		kw   wamp.Dict
		want wamp.URI
	}{
		{wamp.List{uint64(plain.ID)}, nil, router.ErrHistoryUnavailable},
		{wamp.List{uint64(987654321)}, nil, wamp.ErrNoSuchSubscription},
		{wamp.List{}, nil, wamp.ErrInvalidArgument},
		{wamp.List{"x"}, nil, wamp.ErrInvalidArgument},
		{wamp.List{uint64(sub.ID)}, wamp.Dict{"limit": 0}, wamp.ErrInvalidArgument},
		{wamp.List{uint64(sub.ID)}, wamp.Dict{"from_time": "yesterday"}, wamp.ErrInvalidArgument},
		{wamp.List{uint64(sub.ID)}, wamp.Dict{"bogus": true}, wamp.ErrInvalidArgument},
	} {
		if _, err := bob.Call(ctxT(t), "wamp.subscription.get_events", tt.args, tt.kw, nil); !isWampError(err, tt.want) {
			t.Errorf("get_events(%v, %v): %v, want %s", tt.args, tt.kw, err, tt.want)
		}
	}
	// Crossbar's positional limit.
	res, err := bob.Call(ctxT(t), "wamp.subscription.get_events", wamp.List{uint64(sub.ID), 1}, nil, nil)
	if err != nil || len(res.Args[0].(wamp.List)) != 1 {
		t.Fatalf("get_events(id, 1) = %v, %v", res, err)
	}
}

func TestEventHistoryConfig(t *testing.T) {
	for _, h := range [][]router.EventHistoryConfig{
		{{URI: "a.b", Match: "regex"}},
		{{URI: "a..b"}},
		{{URI: "a.b", Limit: -1}},
		{{URI: "a.b", Limit: router.MaxHistoryLimit + 1}},
		{{URI: "a.b"}, {URI: "a.b", Match: wamp.MatchExact}},
	} {
		_, err := router.New(router.Config{Realms: []router.RealmConfig{{Name: realm1, EventHistory: h}}})
		if err == nil {
			t.Errorf("New accepted EventHistory %+v", h)
		}
	}
}

// A history larger than the caller's queue limit comes in pages: each
// RESULT is cut at Config.QueueSoftLimit and says so, after_publication
// goes on.
func TestEventHistoryPages(t *testing.T) {
	r := newRouter(t, func(c *router.Config) {
		c.QueueSoftLimit = 8 << 10
		c.Realms[0].EventHistory = []router.EventHistoryConfig{{URI: "com.pages"}}
	})
	pub, s := join(t, r), join(t, r)
	const events = 40
	for i := range events {
		publish(t, pub, "com.pages", wamp.List{i, strings.Repeat("x", 1000)}, nil)
	}
	sub, _ := subscribe(t, s, "com.pages", nil)
	var all []any
	kw := wamp.Dict{}
	for pages := 0; ; pages++ {
		if pages > events {
			t.Fatal("no end of pages")
		}
		res, err := s.Call(ctxT(t), "wamp.subscription.get_events", wamp.List{uint64(sub.ID)}, kw, nil)
		if err != nil {
			t.Fatal(err)
		}
		list := res.Args[0].(wamp.List)
		if len(list) == 0 || len(list) > 8 {
			t.Fatalf("page of %d events", len(list))
		}
		for _, ev := range list {
			all = append(all, ev.(wamp.Dict)["args"].(wamp.List)[0])
		}
		if res.Kwargs["truncated"] != true {
			break
		}
		kw = wamp.Dict{"after_publication": list[len(list)-1].(wamp.Dict)["publication"]}
	}
	want := make([]any, events)
	for i := range want {
		want[i] = i
	}
	if !eqList(all, want...) {
		t.Fatalf("pages gave %v", all)
	}
}
