package natsfabric_test

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
)

// waitFor polls cond until it holds or 15 s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func subscribe(t *testing.T, s *client.Session, topic wamp.URI, match string, h client.EventHandler) *client.Subscription {
	t.Helper()
	sub, err := s.Subscribe(ctxT(t), topic, h, &client.SubscribeOptions{Match: match})
	if err != nil {
		t.Fatal(err)
	}
	return sub
}

// Publications reach the routers whose subscriptions match them, and no
// other: NATS delivers nothing to a router without a matching
// subscription.
func TestEventsOnlyWhereSubscribed(t *testing.T) {
	a, b, c := cluster(t)
	subA, pub, idle := a.join(t), b.join(t), c.join(t)
	got := collect(t, subA, "com.only.t")
	subscribe(t, idle, "com.other", wamp.MatchExact, func(*wamp.Event) {})
	const n = 50
	for i := range n {
		if err := pub.Publish(ctxT(t), "com.only.t", wamp.List{i}, nil, &client.PublishOptions{Acknowledge: true}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range n {
		if v, _ := wamp.AsInt64(next(t, got).Args[0]); v != int64(i) {
			t.Fatalf("event %d: %v", i, v)
		}
	}
	// C's marker comes after anything B published before it: C got none
	// of the n publications.
	marker := collect(t, idle, "com.other")
	if err := pub.Publish(ctxT(t), "com.other", wamp.List{"marker"}, nil, nil); err != nil {
		t.Fatal(err)
	}
	next(t, marker)
	if st := c.f.Stats(); st.EventsReceived != 1 {
		t.Fatalf("router C: NATS delivered %d publications, want 1 (the marker)", st.EventsReceived)
	}
	if st := b.f.Stats(); st.EventsReceived != 0 || st.Subjects != 0 {
		t.Fatalf("router B (no subscriptions): %+v", st)
	}
	if st := a.f.Stats(); st.Subjects != 1 || st.EventsReceived != n {
		t.Fatalf("router A: %+v, want 1 subject and %d publications", st, n)
	}
	// The subject goes with the last subscription that needs it.
	s := subscribe(t, subA, "com.only.u", wamp.MatchExact, func(*wamp.Event) {})
	if n := a.f.Stats().Subjects; n != 2 {
		t.Fatalf("A subscribes to %d subjects, want 2", n)
	}
	if err := subA.Unsubscribe(ctxT(t), s); err != nil {
		t.Fatal(err)
	}
	if n := a.f.Stats().Subjects; n != 1 {
		t.Fatalf("A subscribes to %d subjects after UNSUBSCRIBED, want 1", n)
	}
}

// Exact, prefix and wildcard subscriptions of one router whose NATS
// subjects overlap get every publication once each, in order; a WAMP
// prefix matches by string ("com.ov.x" matches "com.ov.xy").
func TestEventsOverlappingSubjectsOnce(t *testing.T) {
	a, b, _ := cluster(t)
	s1, s2, pub := a.join(t), a.join(t), b.join(t)
	type rec struct {
		name string
		ch   chan *wamp.Event
	}
	var recs []rec
	add := func(s *client.Session, name string, topic wamp.URI, match string) {
		ch := make(chan *wamp.Event, 256)
		subscribe(t, s, topic, match, func(e *wamp.Event) { ch <- e })
		recs = append(recs, rec{name, ch})
	}
	add(s1, "exact", "com.ov.xy.z", wamp.MatchExact)     // wamp.realm1.com.ov.xy.z
	add(s1, "prefix1", "com.ov", wamp.MatchPrefix)       // wamp.realm1.com.>
	add(s2, "prefix2", "com.ov.x", wamp.MatchPrefix)     // wamp.realm1.com.ov.>
	add(s2, "wildcard", "com.ov..z", wamp.MatchWildcard) // wamp.realm1.com.ov.*.z
	add(s2, "stranger", "com.ov.xy.zz", wamp.MatchExact) // matches nothing published
	if st := a.f.Stats(); st.Subjects != 5 {
		t.Fatalf("A subscribes to %d subjects, want 5", st.Subjects)
	}
	const n = 100
	for i := range n + 1 {
		arg := any(i)
		if i == n {
			arg = "end"
		}
		if err := pub.Publish(ctxT(t), "com.ov.xy.z", wamp.List{arg}, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range recs[:4] {
		for i := range n {
			e := next(t, r.ch)
			if v, _ := wamp.AsInt64(e.Args[0]); v != int64(i) {
				t.Fatalf("%s: event %d is %v", r.name, i, e.Args)
			}
		}
		if e := next(t, r.ch); e.Args[0] != "end" {
			t.Fatalf("%s: %v after the last, want end", r.name, e.Args)
		}
	}
	if len(recs[4].ch) != 0 {
		t.Fatal("a subscription that matches nothing got an event")
	}
	waitFor(t, "every copy dropped", func() bool { return a.f.Stats().EventsDuplicate >= 3*(n+1) })
	if st := a.f.Stats(); st.EventsReceived != 4*(n+1) || st.EventsDuplicate != 3*(n+1) {
		t.Fatalf("A: %+v, want %d received, %d copies dropped", st, 4*(n+1), 3*(n+1))
	}
}

// Five publishers on three routers, 1,000 events each, over two topics
// (two NATS subjects per subscriber's router): every subscriber gets
// every publisher's events in the order published.
func TestEventsOrderAcrossRouters(t *testing.T) {
	if testing.Short() {
		t.Skip("5,000 events")
	}
	a, b, c := cluster(t)
	nodes := []*node{a, b, c}
	const pubs, n = 5, 1000
	type got struct {
		ch chan *wamp.Event
	}
	var subs []got
	for _, nd := range nodes {
		s := nd.join(t)
		ch := make(chan *wamp.Event, 2*pubs*n)
		subscribe(t, s, "com.ord.a", wamp.MatchExact, func(e *wamp.Event) { ch <- e })
		subscribe(t, s, "com.ord..x", wamp.MatchWildcard, func(e *wamp.Event) { ch <- e })
		subs = append(subs, got{ch})
	}
	var wg sync.WaitGroup
	errs := make(chan error, pubs)
	for p := range pubs {
		s := nodes[p%3].join(t)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range n {
				topic := wamp.URI("com.ord.a")
				if i%2 == 1 {
					topic = wamp.URI(fmt.Sprintf("com.ord.p%d.x", p))
				}
				if err := s.Publish(ctxT(t), topic, wamp.List{p, i}, nil, &client.PublishOptions{Acknowledge: true}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for k, g := range subs {
		seen := make([]int64, pubs)
		for range pubs * n {
			e := next(t, g.ch)
			p, _ := wamp.AsInt64(e.Args[0])
			i, _ := wamp.AsInt64(e.Args[1])
			if p < 0 || p >= pubs || i != seen[p] {
				t.Fatalf("subscriber %d: event %d of publisher %d, want %d", k, i, p, seen[p])
			}
			seen[p]++
		}
	}
}

// A subscription made while another router publishes gets every event
// published after its SUBSCRIBED, in order, from its first on.
func TestEventsSubscribeMidStream(t *testing.T) {
	a, b, _ := cluster(t)
	pub, sub := a.join(t), b.join(t)
	var reserved atomic.Int64
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		for {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			i := reserved.Add(1) - 1
			if err := pub.Publish(ctxT(t), "com.mid.t", wamp.List{i}, nil, &client.PublishOptions{Acknowledge: true}); err != nil {
				done <- err
				return
			}
		}
	}()
	waitFor(t, "publications under way", func() bool { return reserved.Load() > 100 })
	ch := make(chan *wamp.Event, 1<<16)
	subscribe(t, sub, "com.mid.t", wamp.MatchExact, func(e *wamp.Event) { ch <- e })
	after := reserved.Load() // every index from here was published after SUBSCRIBED
	waitFor(t, "more publications", func() bool { return reserved.Load() > after+200 })
	close(stop)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	last := reserved.Load() - 1
	first, _ := wamp.AsInt64(next(t, ch).Args[0])
	if first > after {
		t.Fatalf("first event %d, want at most %d (published after SUBSCRIBED)", first, after)
	}
	for i := first + 1; i <= last; i++ {
		if v, _ := wamp.AsInt64(next(t, ch).Args[0]); v != i {
			t.Fatalf("event %d, want %d", v, i)
		}
	}
}

// A SUBSCRIBE that needs a new subject is held until the NATS server has
// it; the subject of a held SUBSCRIBE whose subscription did not come
// (its session left) goes after the release.
func TestInterestHeld(t *testing.T) {
	a, _, _ := cluster(t)
	released := make(chan struct{})
	if a.f.Interest(realm1, "com.held", wamp.MatchExact, func() { close(released) }) {
		t.Fatal("a SUBSCRIBE needing a new subject was not held")
	}
	select {
	case <-released:
	case <-time.After(15 * time.Second):
		t.Fatal("held SUBSCRIBE never released")
	}
	waitFor(t, "the unused subject gone", func() bool { return a.f.Stats().Subjects == 0 })
	// A subject the router has already: not held.
	s := a.join(t)
	subscribe(t, s, "com.held", wamp.MatchPrefix, func(*wamp.Event) {}) // wamp.realm1.com.>
	if !a.f.Interest(realm1, "com.other", wamp.MatchPrefix, func() { t.Error("released a SUBSCRIBE not held") }) {
		t.Fatal("a SUBSCRIBE whose subject the router has was held")
	}
}

// A topic too long for a NATS protocol line is not federated, and the
// router's NATS connection survives it.
func TestEventsLongTopic(t *testing.T) {
	a, b, _ := cluster(t)
	long := wamp.URI("com.long." + strings.Repeat("x", 5000))
	remote, local, pub := a.join(t), b.join(t), b.join(t)
	remoteLong, localLong := collect(t, remote, long), collect(t, local, long)
	after := collect(t, remote, "com.long.after")
	if err := pub.Publish(ctxT(t), long, wamp.List{"long"}, nil, &client.PublishOptions{Acknowledge: true}); err != nil {
		t.Fatal(err)
	}
	if e := next(t, localLong); e.Args[0] != "long" {
		t.Fatalf("local subscriber got %v", e.Args)
	}
	if err := pub.Publish(ctxT(t), "com.long.after", wamp.List{"after"}, nil, nil); err != nil {
		t.Fatal(err)
	}
	if e := next(t, after); e.Args[0] != "after" {
		t.Fatalf("remote subscriber got %v", e.Args)
	}
	if len(remoteLong) != 0 || b.nc.IsClosed() {
		t.Fatal("the long topic crossed, or B's NATS connection closed")
	}
}
