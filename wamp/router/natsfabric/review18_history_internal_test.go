package natsfabric

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

const review18Topic = "com.example.hist.news"

// review18Node starts a router with an event history of review18Topic on
// ns's JetStream; before, when set, runs once its Fabric is made, before
// the router starts it.
func review18Node(t *testing.T, ns *server.Server, before func(*Fabric)) (*router.Router, *Fabric) {
	t.Helper()
	nc, err := nats.Connect("", nats.InProcessServer(ns), nats.NoReconnect())
	if err != nil {
		t.Fatal(err)
	}
	f := New(nc, Options{Heartbeat: 50 * time.Millisecond, TTL: 10 * time.Second, JetStream: true})
	if before != nil {
		before(f)
	}
	r, err := router.New(router.Config{Fabric: f, Realms: []router.RealmConfig{{Name: "realm1", AllowAnonymous: true,
		EventHistory: []router.EventHistoryConfig{{URI: review18Topic, Limit: 100}}}}})
	if err != nil {
		nc.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := f.Close(); err != nil && !errors.Is(err, nats.ErrConnectionClosed) {
			t.Errorf("fabric Close: %v", err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := r.Close(ctx); err != nil {
			t.Errorf("router Close: %v", err)
		}
		nc.Close()
	})
	return r, f
}

func review18JS(t *testing.T) *server.Server {
	t.Helper()
	ns, err := server.NewServer(&server.Options{DontListen: true, NoLog: true, NoSigs: true, JetStream: true, StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	ns.Start()
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("NATS server not ready")
	}
	return ns
}

func review18Join(t *testing.T, ctx context.Context, r *router.Router) *client.Session {
	t.Helper()
	s, err := client.Join(ctx, r.Connect(), "realm1", client.JoinOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func review18Publish(t *testing.T, ctx context.Context, s *client.Session, arg string) {
	t.Helper()
	if err := s.Publish(ctx, review18Topic, wamp.List{arg}, nil, &client.PublishOptions{Acknowledge: true}); err != nil {
		t.Fatal(err)
	}
}

// review18Poll waits until cond holds (or fails the test with what).
func review18Poll(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal(what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// review18Stored returns the messages of the stream of the history.
func review18Stored(t *testing.T, ctx context.Context, js jetstream.JetStream) uint64 {
	t.Helper()
	st, err := js.Stream(ctx, historyStream("realm1", review18Topic, wamp.MatchExact))
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}

// review18History returns the first arguments of s's router's history of
// review18Topic.
func review18History(t *testing.T, ctx context.Context, s *client.Session, sub wamp.ID) []string {
	t.Helper()
	res, err := s.Call(ctx, "wamp.subscription.get_events", wamp.List{uint64(sub)}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range res.Args[0].([]any) {
		got = append(got, fmt.Sprint(e.(map[string]any)["args"].([]any)[0]))
	}
	return got
}

// review18WaitHistory waits until the history of s's router is want.
func review18WaitHistory(t *testing.T, ctx context.Context, s *client.Session, want []string) {
	t.Helper()
	sub, err := s.Subscribe(ctx, review18Topic, func(*wamp.Event) {}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	deadline := time.Now().Add(15 * time.Second)
	for {
		if got = review18History(t, ctx, s, sub.ID); slices.Equal(got, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("history %v, want %v", got, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// The NATS server stores a message in a stream after routing it, on
// another goroutine: a publication routed just before a starting router
// subscribed (not delivered to it live) may be stored only after the
// router read the history's stream. Here the router reads e1-e3; then e4
// is stored and its live copy taken away (as if routed before the
// subscription), and e5 comes live. The history has e1-e5: the load goes
// on until it read what was stored before the first live publication.
// Before, it stopped at the stream's last sequence at Start and e4 was
// missing for good (TestHistoryLoadWhilePublishing missed one event
// under load).
func TestReview18HistoryStoredLate(t *testing.T) {
	ns := review18JS(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ra, _ := review18Node(t, ns, nil)
	pub := review18Join(t, ctx, ra)
	for _, arg := range []string{"e1", "e2", "e3"} {
		review18Publish(t, ctx, pub, arg)
	}
	nc, err := nats.Connect("", nats.InProcessServer(ns), nats.NoReconnect())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	review18Poll(t, "e1-e3 not stored", func() bool { return review18Stored(t, ctx, js) == 3 })

	var once sync.Once
	t.Cleanup(func() { testHookHistoryBatch = nil })
	rc, _ := review18Node(t, ns, func(f *Fabric) {
		testHookHistoryBatch = func() {
			once.Do(func() {
				review18Publish(t, ctx, pub, "e4")
				review18Poll(t, "e4 not stored", func() bool { return review18Stored(t, ctx, js) == 4 })
				review18Poll(t, "e4 not delivered live", func() bool { return len(f.ev.ch) == 1 })
				<-f.ev.ch // routed before the subscription, as it were
				review18Publish(t, ctx, pub, "e5")
				review18Poll(t, "e5 not delivered live", func() bool { return len(f.ev.ch) == 1 })
			})
		}
	})
	testHookHistoryBatch = nil
	review18WaitHistory(t, ctx, review18Join(t, ctx, rc), []string{"e1", "e2", "e3", "e4", "e5"})
}

// A live copy of a publication loaded at Start that NATS delivers after
// the router's event queue ran empty (here put into it after a later
// publication went through) is dropped: the history has each event
// once. Before, the loaded publications were forgotten as soon as the
// queue was empty once, and the late copy was recorded again.
func TestReview18HistoryLateLiveCopy(t *testing.T) {
	ns := review18JS(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ra, _ := review18Node(t, ns, nil)
	pub := review18Join(t, ctx, ra)
	for _, arg := range []string{"e1", "e2", "e3"} {
		review18Publish(t, ctx, pub, arg)
	}
	nc, err := nats.Connect("", nats.InProcessServer(ns), nats.NoReconnect())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	review18Poll(t, "e1-e3 not stored", func() bool { return review18Stored(t, ctx, js) == 3 })
	rc, fc := review18Node(t, ns, nil)
	sc := review18Join(t, ctx, rc)
	review18Publish(t, ctx, pub, "e4")
	review18WaitHistory(t, ctx, sc, []string{"e1", "e2", "e3", "e4"})

	st, err := js.Stream(ctx, historyStream("realm1", review18Topic, wamp.MatchExact))
	if err != nil {
		t.Fatal(err)
	}
	e3, err := st.GetMsg(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	fc.ev.ch <- &nats.Msg{Subject: e3.Subject, Data: e3.Data} // e3's live copy, late
	review18Publish(t, ctx, pub, "e5")
	review18WaitHistory(t, ctx, sc, []string{"e1", "e2", "e3", "e4", "e5"})
}

// subjectMatches agrees with the NATS matching of the tests'.
func TestReview18SubjectMatches(t *testing.T) {
	for _, c := range []struct {
		filter, subject string
	}{
		{"a.b", "a.b"}, {"a.b", "a.c"}, {"a.b", "a.b.c"}, {"a.b.c", "a.b"},
		{"a.*", "a.b"}, {"a.*", "a.b.c"}, {"a.*.c", "a.b.c"}, {"*", "a"}, {"*", "a.b"},
		{"a.>", "a"}, {"a.>", "a.b"}, {"a.>", "a.b.c"}, {">", "a.b"}, {"a.*.>", "a.b"}, {"a.*.>", "a.b.c"},
	} {
		if got, want := subjectMatches(c.filter, c.subject), natsMatches(c.filter, c.subject); got != want {
			t.Errorf("subjectMatches(%q, %q) = %v, want %v", c.filter, c.subject, got, want)
		}
	}
}
