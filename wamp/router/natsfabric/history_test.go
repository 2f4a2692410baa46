package natsfabric_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/router/natsfabric"
	"github.com/nats-io/nats.go/jetstream"
)

const histTopic = "com.example.hist.news"

func historyRealm(limit int) router.RealmConfig {
	return router.RealmConfig{Name: realm1, AllowAnonymous: true, EventHistory: []router.EventHistoryConfig{
		{URI: histTopic, Limit: limit},
		{URI: "com.example.hist2.", Match: wamp.MatchPrefix, Limit: limit},
	}}
}

// historySub subscribes s to (topic, match), a history's subscription,
// and returns its ID.
func historySub(t *testing.T, s *client.Session, topic wamp.URI, match string) wamp.ID {
	t.Helper()
	sub, err := s.Subscribe(ctxT(t), topic, func(*wamp.Event) {}, &client.SubscribeOptions{Match: match})
	if err != nil {
		t.Fatal(err)
	}
	return sub.ID
}

// historyArgs calls wamp.subscription.get_events for the subscription id
// of s's router and returns each event's first argument, and its
// publication ID.
func historyArgs(t *testing.T, s *client.Session, id wamp.ID, kwargs wamp.Dict) ([]string, []wamp.ID) {
	t.Helper()
	res, err := s.Call(ctxT(t), "wamp.subscription.get_events", wamp.List{uint64(id)}, kwargs, nil)
	if err != nil {
		t.Fatal(err)
	}
	var args []string
	var ids []wamp.ID
	for _, e := range res.Args[0].([]any) {
		ev := e.(map[string]any)
		args = append(args, ev["args"].([]any)[0].(string))
		pid, _ := wamp.AsID(ev["publication"])
		ids = append(ids, pid)
	}
	return args, ids
}

// waitHistory polls get_events until it returns want.
func waitHistory(t *testing.T, s *client.Session, id wamp.ID, want []string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		got, _ := historyArgs(t, s, id, nil)
		if slices.Equal(got, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("history of subscription %d: %v, want %v", id, got, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func numbered(prefix string, from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, fmt.Sprintf("%s%d", prefix, i))
	}
	return out
}

// Events published on router A are in the history of router B (running:
// they reach it live) and of router C (started afterwards: loaded from
// JetStream), in order, the history's limit holding; get_events' limit,
// reverse and after_publication work on what was loaded; C's live events
// follow the loaded ones, once each.
func TestHistoryAcrossRouters(t *testing.T) {
	ns := startJS(t)
	const limit = 5
	a, b := newNodeWith(t, ns, jsOpts, historyRealm(limit)), newNodeWith(t, ns, jsOpts, historyRealm(limit))
	pub := a.join(t)
	for _, arg := range numbered("e", 1, 8) {
		if err := pub.Publish(ctxT(t), histTopic, wamp.List{arg}, nil, &client.PublishOptions{Acknowledge: true}); err != nil {
			t.Fatal(err)
		}
	}
	// A prefix history: a topic it matches, one it does not.
	for _, topic := range []wamp.URI{"com.example.hist2.x", "com.example.hist2x", "com.example.hist2.y"} {
		if err := pub.Publish(ctxT(t), topic, wamp.List{string(topic)}, nil, &client.PublishOptions{Acknowledge: true}); err != nil {
			t.Fatal(err)
		}
	}
	want := numbered("e", 4, 8)
	wantPrefix := []string{"com.example.hist2.x", "com.example.hist2.y"}
	sb := b.join(t)
	hb, hb2 := historySub(t, sb, histTopic, wamp.MatchExact), historySub(t, sb, "com.example.hist2.", wamp.MatchPrefix)
	waitHistory(t, sb, hb, want)
	waitHistory(t, sb, hb2, wantPrefix)
	waitStream(t, a.nc, histStream(t, a, histTopic), 8)

	c := newNodeWith(t, ns, jsOpts, historyRealm(limit))
	sc := c.join(t)
	hc, hc2 := historySub(t, sc, histTopic, wamp.MatchExact), historySub(t, sc, "com.example.hist2.", wamp.MatchPrefix)
	got, ids := historyArgs(t, sc, hc, nil)
	if !slices.Equal(got, want) {
		t.Fatalf("C (started later): history %v, want %v", got, want)
	}
	_, idsB := historyArgs(t, sb, hb, nil)
	if !slices.Equal(ids, idsB) {
		t.Fatalf("C's publication IDs %v, B's %v", ids, idsB)
	}
	waitHistory(t, sc, hc2, wantPrefix)
	if got, _ := historyArgs(t, sc, hc, wamp.Dict{"limit": 2}); !slices.Equal(got, []string{"e4", "e5"}) {
		t.Fatalf("C: limit 2: %v, want [e4 e5]", got)
	}
	if got, _ := historyArgs(t, sc, hc, wamp.Dict{"limit": 2, "reverse": true}); !slices.Equal(got, []string{"e8", "e7"}) {
		t.Fatalf("C: limit 2, reverse: %v, want [e8 e7]", got)
	}
	if got, _ := historyArgs(t, sc, hc, wamp.Dict{"after_publication": uint64(ids[2])}); !slices.Equal(got, []string{"e7", "e8"}) {
		t.Fatalf("C: after_publication e6: %v, want [e7 e8]", got)
	}

	// Live events after C started: on C once each, after the loaded
	// ones, the limit holding.
	for _, arg := range numbered("e", 9, 10) {
		if err := pub.Publish(ctxT(t), histTopic, wamp.List{arg}, nil, &client.PublishOptions{Acknowledge: true}); err != nil {
			t.Fatal(err)
		}
	}
	waitHistory(t, sc, hc, numbered("e", 6, 10))
	waitHistory(t, sb, hb, numbered("e", 6, 10))
}

// histStream finds the JetStream stream of an exact topic's history by
// its subject.
func histStream(t *testing.T, n *node, topic wamp.URI) string {
	t.Helper()
	js, err := jetstream.New(n.nc)
	if err != nil {
		t.Fatal(err)
	}
	name, err := js.StreamNameBySubject(ctxT(t), natsfabric.Subject(realm1, topic))
	if err != nil {
		t.Fatal(err)
	}
	return name
}

// Histories whose streams would overlap: the NATS server refuses the
// second stream, whose history keeps what reaches its router only; the
// first is loaded as usual, and router.New does not fail.
func TestHistoryOverlappingStreams(t *testing.T) {
	ns := startJS(t)
	rc := router.RealmConfig{Name: realm1, AllowAnonymous: true, EventHistory: []router.EventHistoryConfig{
		{URI: histTopic, Limit: 10},
		{URI: "com.example.hist.", Match: wamp.MatchPrefix, Limit: 10},
	}}
	a := newNodeWith(t, ns, jsOpts, rc)
	pub := a.join(t)
	for _, arg := range numbered("e", 1, 3) {
		if err := pub.Publish(ctxT(t), histTopic, wamp.List{arg}, nil, &client.PublishOptions{Acknowledge: true}); err != nil {
			t.Fatal(err)
		}
	}
	waitStream(t, a.nc, histStream(t, a, histTopic), 3)
	b := newNodeWith(t, ns, jsOpts, rc)
	s := b.join(t)
	exact, prefix := historySub(t, s, histTopic, wamp.MatchExact), historySub(t, s, "com.example.hist.", wamp.MatchPrefix)
	if got, _ := historyArgs(t, s, exact, nil); !slices.Equal(got, numbered("e", 1, 3)) {
		t.Fatalf("exact history: %v, want [e1 e2 e3] from JetStream", got)
	}
	if got, _ := historyArgs(t, s, prefix, nil); len(got) != 0 {
		t.Fatalf("prefix history (no stream): %v, want none", got)
	}
	if err := pub.Publish(ctxT(t), histTopic, wamp.List{"e4"}, nil, &client.PublishOptions{Acknowledge: true}); err != nil {
		t.Fatal(err)
	}
	waitHistory(t, s, prefix, []string{"e4"})
	waitHistory(t, s, exact, numbered("e", 1, 4))
}

// A router that starts while another publishes has each event once, in
// order: those published before it subscribed from JetStream, the others
// live (the live copies of the loaded ones dropped).
func TestHistoryLoadWhilePublishing(t *testing.T) {
	ns := startJS(t)
	const n = 200
	a := newNodeWith(t, ns, jsOpts, historyRealm(1000))
	pub := a.join(t)
	half := make(chan struct{})
	errc := make(chan error, 1)
	go func() {
		for i, arg := range numbered("e", 1, n) {
			if i == n/2 {
				close(half)
			}
			if err := pub.Publish(ctxT(t), histTopic, wamp.List{arg}, nil, &client.PublishOptions{Acknowledge: true}); err != nil {
				errc <- err
				return
			}
		}
		errc <- nil
	}()
	<-half
	c := newNodeWith(t, ns, jsOpts, historyRealm(1000))
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	s := c.join(t)
	waitHistory(t, s, historySub(t, s, histTopic, wamp.MatchExact), numbered("e", 1, n))
}
