package router_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// events collects a subscription's events on a channel.
func subscribe(t *testing.T, s *client.Session, topic wamp.URI, opts *client.SubscribeOptions) (*client.Subscription, chan *wamp.Event) {
	t.Helper()
	ch := make(chan *wamp.Event, 1024)
	sub, err := s.Subscribe(ctxT(t), topic, func(e *wamp.Event) { ch <- e }, opts)
	if err != nil {
		t.Fatalf("subscribe %s: %v", topic, err)
	}
	return sub, ch
}

func next(t *testing.T, ch chan *wamp.Event) *wamp.Event {
	t.Helper()
	select {
	case e := <-ch:
		return e
	case <-ctxT(t).Done():
		t.Fatal("no event")
		return nil
	}
}

func publish(t *testing.T, s *client.Session, topic wamp.URI, args wamp.List, opts *client.PublishOptions) {
	t.Helper()
	if opts == nil {
		opts = &client.PublishOptions{}
	}
	opts.Acknowledge = true
	if err := s.Publish(ctxT(t), topic, args, nil, opts); err != nil {
		t.Fatalf("publish %s: %v", topic, err)
	}
}

func TestPubSub(t *testing.T) {
	r := newRouter(t, nil)
	pub, subr, other := join(t, r), join(t, r), join(t, r)
	sub, ch := subscribe(t, subr, "com.example.topic", nil)
	sub2, _ := subscribe(t, other, "com.example.topic", nil)
	if sub.ID != sub2.ID {
		t.Fatalf("subscription IDs %d and %d for one topic", sub.ID, sub2.ID)
	}
	publish(t, pub, "com.example.topic", wamp.List{"hello", int64(1)}, nil)
	e := next(t, ch)
	if e.Subscription != sub.ID || e.Args[0] != "hello" || e.Publication < 1 || e.Publication > wamp.MaxID {
		t.Fatalf("EVENT = %+v", e)
	}
	if _, ok := e.Details["topic"]; ok {
		t.Fatalf("EVENT.Details.topic for an exact subscription: %v", e.Details)
	}
	if _, ok := e.Details["publisher"]; ok {
		t.Fatalf("publisher disclosed without asking: %v", e.Details)
	}
	publish(t, pub, "com.example.topic", nil, &client.PublishOptions{DiscloseMe: true})
	e = next(t, ch)
	if id, _ := wamp.AsID(e.Details["publisher"]); id != pub.ID() || e.Details["publisher_authrole"] != "anonymous" {
		t.Fatalf("disclosed EVENT.Details = %v", e.Details)
	}
	if err := subr.Unsubscribe(ctxT(t), sub); err != nil {
		t.Fatal(err)
	}
	// The marker shows nothing was delivered to the old subscription in between.
	_, marker := subscribe(t, subr, "com.example.marker", nil)
	publish(t, pub, "com.example.topic", nil, nil)
	publish(t, pub, "com.example.marker", nil, nil)
	next(t, marker)
	select {
	case e := <-ch:
		t.Fatalf("event after unsubscribe: %v", e)
	default:
	}
	// An invalid topic (a raw session: wamp/client refuses to send it).
	c := rawConn(t, r)
	c.join()
	c.send(&wamp.Publish{Request: 2, Options: wamp.Dict{"acknowledge": true}, Topic: "bad uri"})
	if e, ok := c.recv().(*wamp.Error); !ok || e.Error != wamp.ErrInvalidURI {
		t.Fatalf("publish to an invalid URI: %v, want ERROR invalid_uri", e)
	}
	c.send(&wamp.Unsubscribe{Request: 3, Subscription: 12345})
	if e, ok := c.recv().(*wamp.Error); !ok || e.Error != wamp.ErrNoSuchSubscription {
		t.Fatalf("got %v, want ERROR no_such_subscription", e)
	}
}

func TestPublisherExclusionAndLists(t *testing.T) {
	r := newRouter(t, nil)
	pub := join(t, r)
	_, self := subscribe(t, pub, "t", nil)
	var subs []*client.Session
	var chans []chan *wamp.Event
	for range 3 {
		s := join(t, r)
		_, ch := subscribe(t, s, "t", nil)
		subs, chans = append(subs, s), append(chans, ch)
	}
	authid := func(s *client.Session) string { return s.Details()["authid"].(string) }
	tests := []struct {
		name string
		opts client.PublishOptions
		want []bool // self, subs...
	}{
		{"default", client.PublishOptions{}, []bool{false, true, true, true}},
		{"exclude_me false", client.PublishOptions{IncludeMe: true}, []bool{true, true, true, true}},
		{"eligible", client.PublishOptions{Eligible: []wamp.ID{subs[0].ID(), subs[1].ID()}}, []bool{false, true, true, false}},
		{"eligible and exclude", client.PublishOptions{Eligible: []wamp.ID{subs[0].ID(), subs[1].ID()}, Exclude: []wamp.ID{subs[1].ID()}}, []bool{false, true, false, false}},
		{"exclude_authid", client.PublishOptions{ExcludeAuthID: []string{authid(subs[2])}}, []bool{false, true, true, false}},
		{"eligible_authid", client.PublishOptions{EligibleAuthID: []string{authid(subs[1])}}, []bool{false, false, true, false}},
		{"exclude_authrole", client.PublishOptions{ExcludeAuthRole: []string{"anonymous"}}, []bool{false, false, false, false}},
		{"eligible_authrole", client.PublishOptions{EligibleAuthRole: []string{"anonymous"}, IncludeMe: true}, []bool{true, true, true, true}},
	}
	for _, tt := range tests {
		publish(t, pub, "t", wamp.List{tt.name}, &tt.opts)
		for i, sess := range append([]*client.Session{pub}, subs...) {
			ch := self
			if i > 0 {
				ch = chans[i-1]
			}
			if got := drainUntilMarker(t, pub, sess, ch); got != tt.want[i] {
				t.Errorf("%s: subscriber %d got the event: %v, want %v", tt.name, i, got, tt.want[i])
			}
		}
	}
}

// drainUntilMarker reports whether ch holds an event published to "t"
// before a marker that pub now sends to s alone: events from one
// publisher arrive in order.
func drainUntilMarker(t *testing.T, pub, s *client.Session, ch chan *wamp.Event) bool {
	t.Helper()
	publish(t, pub, "t", wamp.List{"marker"}, &client.PublishOptions{Eligible: []wamp.ID{s.ID()}, IncludeMe: true})
	got := false
	for {
		e := next(t, ch)
		if e.Args[0] == "marker" {
			return got
		}
		got = true
	}
}

func TestPatternSubscription(t *testing.T) {
	r := newRouter(t, nil)
	pub, s := join(t, r), join(t, r)
	exact, che := subscribe(t, s, "a.b.c", nil)
	prefix, chp := subscribe(t, s, "a.b", &client.SubscribeOptions{Match: wamp.MatchPrefix})
	wild, chw := subscribe(t, s, "a..c", &client.SubscribeOptions{Match: wamp.MatchWildcard})
	publish(t, pub, "a.b.c", nil, nil)
	for _, c := range []struct {
		sub   *client.Subscription
		ch    chan *wamp.Event
		topic any
	}{{exact, che, nil}, {prefix, chp, "a.b.c"}, {wild, chw, "a.b.c"}} {
		e := next(t, c.ch)
		if e.Subscription != c.sub.ID || e.Details["topic"] != c.topic {
			t.Errorf("subscription %s: EVENT %v", c.sub.Topic, e)
		}
	}
	publish(t, pub, "a.bx", nil, nil)
	if e := next(t, chp); e.Details["topic"] != "a.bx" {
		t.Errorf("prefix: %v", e.Details)
	}
	publish(t, pub, "a.x.c", nil, nil)
	if e := next(t, chw); e.Details["topic"] != "a.x.c" {
		t.Errorf("wildcard: %v", e.Details)
	}
	select {
	case e := <-che:
		t.Fatalf("exact subscription got %v", e)
	default:
	}
}

// Events from each publisher reach a subscriber in the order published,
// with SUBSCRIBED first: 5 publishers, each numbering its events.
func TestEventOrder(t *testing.T) {
	const n, publishers = 10000, 5
	r := newRouter(t, func(c *router.Config) { c.QueueSoftLimit = 64 << 20 })
	s, err := client.Join(ctxT(t), r.Connect(), realm1, client.JoinOptions{EventQueue: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var mu sync.Mutex
	last := map[string]int64{}
	errs := 0
	done := make(chan struct{})
	total := 0
	_, err = s.Subscribe(ctxT(t), "seq", func(e *wamp.Event) {
		mu.Lock()
		defer mu.Unlock()
		p, _ := e.Args[0].(string)
		k, _ := wamp.AsInt64(e.Args[1])
		if k != last[p]+1 && errs < 10 {
			errs++
			t.Errorf("publisher %s: event %d after %d", p, k, last[p])
		}
		last[p] = k
		total++
		if total == publishers*n {
			close(done)
		}
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range publishers {
		pub := join(t, r)
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := fmt.Sprint("p", i)
			for k := 1; k <= n; k++ {
				if err := pub.Publish(ctxT(t), "seq", wamp.List{name, int64(k)}, nil, nil); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	select {
	case <-done:
	case <-ctxT(t).Done():
		t.Fatalf("got %d of %d events", total, publishers*n)
	}
}

// SUBSCRIBED comes before the subscription's first EVENT, even when
// events are published while the SUBSCRIBE is under way.
func TestSubscribedBeforeEvent(t *testing.T) {
	r := newRouter(t, nil)
	pub := join(t, r)
	stop := make(chan struct{})
	published := make(chan struct{})
	go func() {
		defer close(published)
		for {
			select {
			case <-stop:
				return
			default:
			}
			if pub.Publish(ctxT(t), "busy", nil, nil, nil) != nil {
				return
			}
		}
	}()
	for range 20 {
		c := rawConn(t, r)
		c.join()
		c.send(&wamp.Subscribe{Request: 1, Options: wamp.Dict{}, Topic: "busy"})
		if m := c.recv(); m.Type() != wamp.TypeSubscribed {
			t.Fatalf("first message after SUBSCRIBE: %v", m)
		}
		c.tr.Close()
	}
	close(stop)
	<-published
}

// Every EVENT has its own Details: handlers that write to their event's
// Details on several subscribers do not race (run with -race).
func TestEventDetailsOwn(t *testing.T) {
	r := newRouter(t, nil)
	pub := join(t, r)
	var wg sync.WaitGroup
	const subscribers, events = 4, 50
	wg.Add(subscribers * events)
	for range subscribers {
		s := join(t, r)
		subscribe := func(topic wamp.URI, match string) {
			_, err := s.Subscribe(ctxT(t), topic, func(e *wamp.Event) {
				e.Details["seen"] = true
				e.Details["n"] = len(e.Details)
				if match == wamp.MatchExact {
					wg.Done()
				}
			}, &client.SubscribeOptions{Match: match})
			if err != nil {
				t.Fatal(err)
			}
		}
		subscribe("d.t", wamp.MatchExact)
		subscribe("d", wamp.MatchPrefix)
	}
	for range events {
		pub.Publish(ctxT(t), "d.t", wamp.List{1}, nil, &client.PublishOptions{DiscloseMe: true})
	}
	wg.Wait()
}
