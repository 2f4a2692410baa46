package natsfabric_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/router/natsfabric"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

var jsOpts = natsfabric.Options{Heartbeat: 50 * time.Millisecond, TTL: 10 * time.Second, JetStream: true}

// startJS starts an in-process NATS server with JetStream.
func startJS(t testing.TB) *server.Server {
	return startNATSWith(t, &server.Options{JetStream: true, StoreDir: t.TempDir()})
}

// newNodeWith is newNode with realms of the test's own.
func newNodeWith(t testing.TB, ns *server.Server, opts natsfabric.Options, realms ...router.RealmConfig) *node {
	t.Helper()
	nc, err := nats.Connect("", nats.InProcessServer(ns), nats.NoReconnect())
	if err != nil {
		t.Fatal(err)
	}
	f := natsfabric.New(nc, opts)
	r, err := router.New(router.Config{Realms: realms, Fabric: f})
	if err != nil {
		nc.Close()
		t.Fatal(err)
	}
	n := &node{r: r, f: f, nc: nc}
	t.Cleanup(func() { n.stop(t) })
	return n
}

// stop closes the node's fabric, router and connection (again: a no-op).
func (n *node) stop(t testing.TB) {
	if err := n.f.Close(); err != nil && !errors.Is(err, nats.ErrConnectionClosed) {
		t.Errorf("fabric Close: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := n.r.Close(ctx); err != nil && !errors.Is(err, router.ErrClosed) {
		t.Errorf("router Close: %v", err)
	}
	n.nc.Close()
}

// waitStream waits until stream has stored up to sequence seq.
func waitStream(t testing.TB, nc *nats.Conn, stream string, seq uint64) {
	t.Helper()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		st, err := js.Stream(ctxT(t), stream)
		if err == nil && st.CachedInfo().State.LastSeq >= seq {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("stream %s: not at sequence %d (err %v)", stream, seq, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// retainedThenMarker subscribes s to topic with get_retained and
// returns the events that came before a marker, which another session of
// s's router publishes to a topic of the subscription right after
// SUBSCRIBED: the
// retained events come before it (the router queues them first).
func retainedThenMarker(t *testing.T, s, other *client.Session, topic wamp.URI, match string) []*wamp.Event {
	t.Helper()
	ch := make(chan *wamp.Event, 64)
	if _, err := s.Subscribe(ctxT(t), topic, func(e *wamp.Event) { ch <- e },
		&client.SubscribeOptions{Match: match, GetRetained: true}); err != nil {
		t.Fatal(err)
	}
	marker := topic
	if match != wamp.MatchExact {
		marker += "zzz.marker"
	}
	if err := other.Publish(ctxT(t), marker, wamp.List{"marker"}, nil, &client.PublishOptions{Acknowledge: true}); err != nil {
		t.Fatal(err)
	}
	var got []*wamp.Event
	for {
		e := next(t, ch)
		if len(e.Args) == 1 && e.Args[0] == "marker" {
			if e.Details["retained"] != nil {
				t.Fatalf("the marker came as a retained event: %v", e.Details)
			}
			return got
		}
		got = append(got, e)
	}
}

func retainRealm(name wamp.URI) router.RealmConfig {
	return router.RealmConfig{Name: name, AllowAnonymous: true}
}

// A retained PUBLISH on router A reaches a get_retained SUBSCRIBE on
// router B, which never saw the publication, and on router C, started
// after it; the topic's last retained event wins, and a prefix
// subscription gets every matching topic's, with topic and disclosure.
func TestRetainedAcrossRouters(t *testing.T) {
	ns := startJS(t)
	a, b := newNodeWith(t, ns, jsOpts, retainRealm(realm1)), newNodeWith(t, ns, jsOpts, retainRealm(realm1))
	pub := a.join(t)
	ctx := ctxT(t)
	for i, p := range []struct {
		topic wamp.URI
		arg   string
	}{{"com.example.ret.one", "first"}, {"com.example.ret.one", "second"}, {"com.example.ret.two", "other"}} {
		if err := pub.Publish(ctx, p.topic, wamp.List{p.arg}, nil,
			&client.PublishOptions{Retain: true, Acknowledge: true, DiscloseMe: true}); err != nil {
			t.Fatal(err)
		}
		waitStream(t, a.nc, "WAMPFAB_RETAINED", uint64(i+1))
	}
	s, other := b.join(t), b.join(t)
	got := retainedThenMarker(t, s, other, "com.example.ret.one", wamp.MatchExact)
	if len(got) != 1 || got[0].Args[0] != "second" || got[0].Details["retained"] != true {
		t.Fatalf("B: retained events %v, want [second] with retained=true", eventArgs(got))
	}
	if id, _ := wamp.AsID(got[0].Details["publisher"]); id != pub.ID() {
		t.Fatalf("B: publisher disclosed as %v, want %d", got[0].Details["publisher"], pub.ID())
	}

	c := newNodeWith(t, ns, jsOpts, retainRealm(realm1))
	s, other = c.join(t), c.join(t)
	got = retainedThenMarker(t, s, other, "com.example.ret.", wamp.MatchPrefix)
	if len(got) != 2 || got[0].Args[0] != "second" || got[1].Args[0] != "other" ||
		got[0].Details["topic"] != "com.example.ret.one" || got[1].Details["topic"] != "com.example.ret.two" {
		t.Fatalf("C (started later): retained events %v, want [second other]", eventArgs(got))
	}
}

func eventArgs(evs []*wamp.Event) []any {
	var out []any
	for _, e := range evs {
		out = append(out, e.Args)
	}
	return out
}

// A router restarted on the same NATS server still has the retained
// events its sessions published before.
func TestRetainedAfterRestart(t *testing.T) {
	ns := startJS(t)
	a := newNodeWith(t, ns, jsOpts, retainRealm(realm2))
	pub := a.joinRealm(t, realm2)
	if err := pub.Publish(ctxT(t), "com.example.ret.r", wamp.List{"kept"}, nil,
		&client.PublishOptions{Retain: true, Acknowledge: true}); err != nil {
		t.Fatal(err)
	}
	waitStream(t, a.nc, "WAMPFAB_RETAINED", 1)
	pub.Close()
	a.stop(t)

	a = newNodeWith(t, ns, jsOpts, retainRealm(realm2))
	s, other := a.joinRealm(t, realm2), a.joinRealm(t, realm2)
	got := retainedThenMarker(t, s, other, "com.example.ret.r", wamp.MatchExact)
	if len(got) != 1 || got[0].Args[0] != "kept" {
		t.Fatalf("after restart: retained events %v, want [kept]", eventArgs(got))
	}
}

// The realm's bounds hold on the subscriber's router (RetainedTopics 1:
// one of two topics; retention off: none), and a retained PUBLISH its
// router declines clears the topic's retained event cluster-wide.
func TestRetainedBounds(t *testing.T) {
	ns := startJS(t)
	a := newNodeWith(t, ns, jsOpts, retainRealm(realm1))
	one := router.RealmConfig{Name: realm1, AllowAnonymous: true, RetainedTopics: 1}
	off := router.RealmConfig{Name: realm1, AllowAnonymous: true, RetainedTopics: -1}
	b, c := newNodeWith(t, ns, jsOpts, one), newNodeWith(t, ns, jsOpts, off)
	pub := a.join(t)
	for i, topic := range []wamp.URI{"com.example.ret.a", "com.example.ret.b"} {
		if err := pub.Publish(ctxT(t), topic, wamp.List{string(topic)}, nil,
			&client.PublishOptions{Retain: true, Acknowledge: true}); err != nil {
			t.Fatal(err)
		}
		waitStream(t, a.nc, "WAMPFAB_RETAINED", uint64(i+1))
	}
	s, other := b.join(t), b.join(t)
	if got := retainedThenMarker(t, s, other, "com.example.ret.", wamp.MatchPrefix); len(got) != 1 || got[0].Args[0] != "com.example.ret.a" {
		t.Fatalf("RetainedTopics 1: retained events %v, want [com.example.ret.a]", eventArgs(got))
	}
	s, other = c.join(t), c.join(t)
	if got := retainedThenMarker(t, s, other, "com.example.ret.", wamp.MatchPrefix); len(got) != 0 {
		t.Fatalf("retention off: retained events %v, want none", eventArgs(got))
	}

	// B keeps one topic (com.example.ret.a, from the fetch): its
	// session's retained PUBLISH to com.example.ret.b is declined there
	// and clears the topic's on JetStream.
	if err := b.join(t).Publish(ctxT(t), "com.example.ret.b", wamp.List{"declined"}, nil,
		&client.PublishOptions{Retain: true, Acknowledge: true}); err != nil {
		t.Fatal(err)
	}
	waitStream(t, a.nc, "WAMPFAB_RETAINED", 3)
	d := newNodeWith(t, ns, jsOpts, retainRealm(realm1))
	s, other = d.join(t), d.join(t)
	if got := retainedThenMarker(t, s, other, "com.example.ret.", wamp.MatchPrefix); len(got) != 1 || got[0].Args[0] != "com.example.ret.a" {
		t.Fatalf("after a declined retain: retained events %v, want [com.example.ret.a]", eventArgs(got))
	}
}

// Options.JetStream on a NATS server without JetStream fails router.New
// with an error that says so; without the option the fabric works there.
func TestJetStreamUnavailable(t *testing.T) {
	ns := startNATS(t)
	nc, err := nats.Connect("", nats.InProcessServer(ns), nats.NoReconnect())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	f := natsfabric.New(nc, jsOpts)
	r, err := router.New(router.Config{Realms: []router.RealmConfig{retainRealm(realm1)}, Fabric: f})
	if err == nil {
		r.Close(ctxT(t))
		t.Fatal("router.New succeeded with Options.JetStream on a server without JetStream")
	}
	if !strings.Contains(err.Error(), "no JetStream") {
		t.Fatalf("error %q does not say JetStream is missing", err)
	}
	if err := f.Close(); err != nil {
		t.Fatalf("Close of a fabric that did not start: %v", err)
	}
	a, b := newNode(t, ns, testOpts), newNode(t, ns, testOpts)
	ev := collect(t, b.join(t), "com.example.plain")
	if err := a.join(t).Publish(ctxT(t), "com.example.plain", wamp.List{1}, nil,
		&client.PublishOptions{Retain: true, Acknowledge: true}); err != nil {
		t.Fatal(err)
	}
	if e := next(t, ev); e.Args[0] != uint64(1) && e.Args[0] != int64(1) {
		t.Fatalf("event %v", e.Args)
	}
}

// BenchmarkSubscribeRetained measures a SUBSCRIBE with get_retained=true
// until its retained event arrived, then its UNSUBSCRIBE: "local" without
// JetStream (the router's own retained event), "jetstream" fetching the
// event another router published from JetStream (one request per
// SUBSCRIBE).
func BenchmarkSubscribeRetained(b *testing.B) {
	for _, js := range []bool{false, true} {
		name := "local"
		if js {
			name = "jetstream"
		}
		b.Run(name, func(b *testing.B) {
			var pubNode, subNode *node
			if js {
				ns := startJS(b)
				pubNode, subNode = newNodeWith(b, ns, jsOpts, retainRealm(realm1)), newNodeWith(b, ns, jsOpts, retainRealm(realm1))
			} else {
				ns := startNATS(b)
				pubNode = newNodeWith(b, ns, testOpts, retainRealm(realm1))
				subNode = pubNode
			}
			ctx := context.Background()
			if err := pubNode.join(b).Publish(ctx, "com.example.bench", wamp.List{"r"}, nil,
				&client.PublishOptions{Retain: true, Acknowledge: true}); err != nil {
				b.Fatal(err)
			}
			if js {
				waitStream(b, pubNode.nc, "WAMPFAB_RETAINED", 1)
			}
			s := subNode.join(b)
			got := make(chan struct{}, 1)
			b.ResetTimer()
			for b.Loop() {
				sub, err := s.Subscribe(ctx, "com.example.bench", func(*wamp.Event) { got <- struct{}{} },
					&client.SubscribeOptions{GetRetained: true})
				if err != nil {
					b.Fatal(err)
				}
				<-got
				if err := s.Unsubscribe(ctx, sub); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
