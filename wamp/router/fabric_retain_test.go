package router_test

import (
	"slices"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// retainFabric is a fakeFabric with router.FabricRetain: the test sees
// each Retain, and answers each Retained query itself.
type retainFabric struct {
	*fakeFabric
	retains chan retainCall
	queries chan retainQuery
}

type retainCall struct {
	p    router.FabricPublication
	kept bool
}

type retainQuery struct {
	q    router.FabricRetainedQuery
	done func(router.FabricRetained)
}

func (f *retainFabric) Retain(p *router.FabricPublication, kept bool) {
	f.retains <- retainCall{*p, kept}
}

func (f *retainFabric) Retained(q router.FabricRetainedQuery, done func(router.FabricRetained)) bool {
	f.queries <- retainQuery{q, done}
	return false
}

func retainRouter(t *testing.T, mod func(*router.RealmConfig)) (*router.Router, *retainFabric) {
	f := &retainFabric{fakeFabric: newFakeFabric(), retains: make(chan retainCall, 16), queries: make(chan retainQuery, 16)}
	r := newRouter(t, func(c *router.Config) {
		c.Fabric = f
		if mod != nil {
			mod(&c.Realms[0])
		}
	})
	return r, f
}

// subscribeRetained subscribes s with get_retained on a goroutine (the
// SUBSCRIBE is held until the test answers the fabric's query).
func subscribeRetained(t *testing.T, s *client.Session, topic wamp.URI, match string) (<-chan *wamp.Event, <-chan error) {
	events, errc := make(chan *wamp.Event, 16), make(chan error, 1)
	go func() {
		_, err := s.Subscribe(ctxT(t), topic, func(e *wamp.Event) { events <- e },
			&client.SubscribeOptions{Match: match, GetRetained: true})
		errc <- err
	}()
	return events, errc
}

// A retained PUBLISH is handed to the FabricRetain (kept, or declined by
// the bounds); a get_retained SUBSCRIBE is held until the fabric answers,
// whose events replace the router's and whose cleared topics lose
// theirs, within the realm's bounds; an event kept while the fetch ran
// is not replaced by the older fetched one.
func TestFabricRetain(t *testing.T) {
	r, f := retainRouter(t, func(rc *router.RealmConfig) { rc.RetainedTopics = 2 })
	pub := join(t, r)
	retain := func(topic wamp.URI, arg string) {
		t.Helper()
		if err := pub.Publish(ctxT(t), topic, wamp.List{arg}, nil, &client.PublishOptions{Retain: true, Acknowledge: true}); err != nil {
			t.Fatal(err)
		}
	}
	retain("com.r.a", "local-a")
	if c := recv(t, f.retains); !c.kept || c.p.Topic != "com.r.a" || c.p.Args[0] != "local-a" || c.p.Options["retain"] != true {
		t.Fatalf("Retain(%+v, %v)", c.p, c.kept)
	}
	retain("com.r.b", "local-b")
	recv(t, f.retains)
	retain("com.r.c", "declined") // a third topic: over RetainedTopics
	if c := recv(t, f.retains); c.kept || c.p.Topic != "com.r.c" {
		t.Fatalf("Retain(%s, %v), want com.r.c declined", c.p.Topic, c.kept)
	}

	s := join(t, r)
	events, errc := subscribeRetained(t, s, "com.r.", wamp.MatchPrefix)
	q := recv(t, f.queries)
	if q.q.Realm != realm1 || q.q.Topic != "com.r." || q.q.Match != wamp.MatchPrefix || q.q.MaxTopics != 2 || q.q.MaxBytes != router.DefaultRetainedBytes {
		t.Fatalf("query %+v", q.q)
	}
	select {
	case err := <-errc:
		t.Fatalf("SUBSCRIBE answered (%v) before the fabric did", err)
	default:
	}
	// While the fetch runs, com.r.b gets a newer event here.
	retain("com.r.b", "newer-b")
	recv(t, f.retains)
	q.done(router.FabricRetained{
		Events: []*router.FabricPublication{
			{Realm: realm1, Topic: "com.r.b", ID: 77, Args: wamp.List{"fetched-b"}},
			{Realm: realm1, Topic: "com.r.d", ID: 78, Args: wamp.List{"fetched-d"}},
			{Realm: realm1, Topic: "com.other", ID: 79, Args: wamp.List{"not matched"}},
		},
		Cleared: []wamp.URI{"com.r.a"},
	})
	if err := recv(t, errc); err != nil {
		t.Fatal(err)
	}
	var got []string
	for len(got) < 2 {
		e := recv(t, events)
		if e.Details["retained"] != true {
			t.Fatalf("event %v without retained=true", e.Details)
		}
		got = append(got, e.Args[0].(string))
	}
	if want := []string{"newer-b", "fetched-d"}; !slices.Equal(got, want) {
		t.Fatalf("retained events %v, want %v", got, want)
	}
	// Nothing more was retained: a marker comes next.
	if err := pub.Publish(ctxT(t), "com.r.marker", wamp.List{"marker"}, nil, &client.PublishOptions{Acknowledge: true}); err != nil {
		t.Fatal(err)
	}
	if e := recv(t, events); e.Args[0] != "marker" {
		t.Fatalf("got %v, want the marker", e.Args)
	}

	// Retention off: no query, no Retain.
	r2, f2 := retainRouter(t, func(rc *router.RealmConfig) { rc.RetainedTopics = -1 })
	s2 := join(t, r2)
	if _, err := s2.Subscribe(ctxT(t), "com.r.a", func(*wamp.Event) {}, &client.SubscribeOptions{GetRetained: true}); err != nil {
		t.Fatal(err)
	}
	if err := s2.Publish(ctxT(t), "com.r.a", nil, nil, &client.PublishOptions{Retain: true, Acknowledge: true}); err != nil {
		t.Fatal(err)
	}
	if len(f2.queries) != 0 || len(f2.retains) != 0 {
		t.Fatalf("retention off: %d queries, %d Retain calls", len(f2.queries), len(f2.retains))
	}
}

// LoadHistory puts the events before those the history has, skipping
// the ones it has, those of other topics and those histories leave out,
// the limit holding; a realm without the history is an error.
func TestFabricLoadHistory(t *testing.T) {
	f := newFakeFabric()
	r := newRouter(t, func(c *router.Config) {
		c.Fabric = f
		c.Realms[0].EventHistory = []router.EventHistoryConfig{{URI: "com.h.", Match: wamp.MatchPrefix, Limit: 4}}
	})
	if got := f.link.Histories(realm1); len(got) != 1 || got[0] != (router.FabricHistory{Topic: "com.h.", Match: wamp.MatchPrefix, Limit: 4}) {
		t.Fatalf("Histories: %+v", got)
	}
	pub, s := join(t, r), join(t, r)
	if err := pub.Publish(ctxT(t), "com.h.x", wamp.List{"live"}, nil, &client.PublishOptions{Acknowledge: true}); err != nil {
		t.Fatal(err)
	}
	sub, err := s.Subscribe(ctxT(t), "com.h.", func(*wamp.Event) {}, &client.SubscribeOptions{Match: wamp.MatchPrefix})
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Call(ctxT(t), "wamp.subscription.get_events", wamp.List{uint64(sub.ID)}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	liveID, _ := wamp.AsID(res.Args[0].([]any)[0].(map[string]any)["publication"])
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	ev := func(id wamp.ID, topic wamp.URI, arg string, opts wamp.Dict) router.FabricHistoryEvent {
		return router.FabricHistoryEvent{At: at, Pub: &router.FabricPublication{Realm: realm1, ID: id, Topic: topic, Options: opts, Args: wamp.List{arg}}}
	}
	n, err := f.link.LoadHistory(realm1, "com.h.", wamp.MatchPrefix, []router.FabricHistoryEvent{
		ev(1, "com.h.a", "old1", nil), ev(2, "com.other", "other topic", nil), ev(3, "com.h.b", "old2", nil),
		ev(4, "com.h.c", "excluded", wamp.Dict{"exclude": []any{uint64(5)}}), ev(5, "com.h.d", "old3", nil),
		ev(6, "com.h.e", "old4", nil), ev(liveID, "com.h.x", "live again", nil),
	})
	if err != nil || n != 4 {
		t.Fatalf("LoadHistory: %d, %v; want 4 loaded", n, err)
	}
	res, err = s.Call(ctxT(t), "wamp.subscription.get_events", wamp.List{uint64(sub.ID)}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range res.Args[0].([]any) {
		got = append(got, e.(map[string]any)["args"].([]any)[0].(string))
	}
	if want := []string{"old2", "old3", "old4", "live"}; !slices.Equal(got, want) {
		t.Fatalf("history %v, want %v (limit 4, oldest gone)", got, want)
	}
	if _, err := f.link.LoadHistory(realm1, "com.nohistory", wamp.MatchExact, nil); err == nil {
		t.Fatal("LoadHistory of a topic without a history succeeded")
	}
	if _, err := f.link.LoadHistory("no.realm", "com.h.", wamp.MatchPrefix, nil); err != router.ErrNoRealm {
		t.Fatalf("LoadHistory of an unknown realm: %v", err)
	}
}
