package router_test

import (
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
)

// RealmConfig.QueueSoftLimit: a realm's sessions queue up to its own soft
// limit, the other realms' up to the router's. With SlowDrop in both, the
// same 100 KB of events to a subscriber that reads nothing are dropped
// past 8 KiB in the tight realm and all queued in the other.
func TestRealmQueueSoftLimit(t *testing.T) {
	r := newRouter(t, func(c *router.Config) {
		c.Realms[0].SlowSubscriber = router.SlowDrop
		c.Realms = append(c.Realms, router.RealmConfig{Name: "tight", AllowAnonymous: true,
			SlowSubscriber: router.SlowDrop, QueueSoftLimit: softLimit})
	})
	const events = 200
	for _, tt := range []struct {
		realm wamp.URI
		drops bool
	}{{"tight", true}, {realm1, false}} {
		t.Run(string(tt.realm), func(t *testing.T) {
			slowCli, g := attachGated(t, r)
			slow, err := client.Join(ctxT(t), slowCli, tt.realm, client.JoinOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer slow.Close()
			subscribe(t, slow, "news", nil)
			pub, err := client.Join(ctxT(t), r.Connect(), tt.realm, client.JoinOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer pub.Close()
			g.shut()
			defer g.open()
			for i := range events {
				publish(t, pub, "news", wamp.List{int64(i), strings.Repeat("d", 500)}, nil)
			}
			info, ok := r.Session(tt.realm, slow.ID())
			if !ok {
				t.Fatal("slow subscriber gone")
			}
			if tt.drops && (info.Dropped == 0 || info.Queued > softLimit+600) {
				t.Fatalf("realm limit %d not applied: %+v", softLimit, info)
			}
			if !tt.drops && (info.Dropped != 0 || info.Queued < events*500) {
				t.Fatalf("router's limit not applied: %+v", info)
			}
		})
	}
	if _, err := router.New(router.Config{Realms: []router.RealmConfig{{Name: "x", QueueSoftLimit: -1}}}); err == nil {
		t.Fatal("negative QueueSoftLimit accepted")
	}
}

// The same on the event loop, where the limit applies to what the
// connection holds for a client that reads nothing: events to the tight
// realm's subscriber are dropped once little is pending, the same number
// to the other realm's all stay pending.
func TestRealmQueueSoftLimitLoop(t *testing.T) {
	r := newRouter(t, func(c *router.Config) {
		c.Realms[0].SlowSubscriber = router.SlowDrop
		c.Realms = append(c.Realms, router.RealmConfig{Name: "tight", AllowAnonymous: true,
			SlowSubscriber: router.SlowDrop, QueueSoftLimit: softLimit})
	})
	url := serveLoop(t, r, eventloop.Config{Loops: 1})
	slowIn := func(realm wamp.URI) (*client.Session, wamp.ID) {
		tr := dialRaw(t, url, json.Serializer{}, 4096)
		if err := tr.Send(ctxT(t), &wamp.Hello{Realm: realm, Details: helloDetails}); err != nil {
			t.Fatal(err)
		}
		m, err := tr.Recv(ctxT(t))
		w, ok := m.(*wamp.Welcome)
		if !ok {
			t.Fatalf("join %s: %v %v", realm, m, err)
		}
		if m := rawRequest(t, tr, &wamp.Subscribe{Request: 1, Options: wamp.Dict{}, Topic: "news"}); m.Type() != wamp.TypeSubscribed {
			t.Fatalf("subscribe: %v", m)
		}
		pub, err := client.Join(ctxT(t), r.Connect(), realm, client.JoinOptions{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { pub.Close() })
		return pub, w.Session
	}
	big := wamp.List{strings.Repeat("n", 4000)}
	pub, id := slowIn("tight")
	n := 0
	for ; ; n++ {
		if info, _ := r.Session("tight", id); info.Dropped > 0 {
			break
		}
		if n > 5000 {
			t.Fatal("no event dropped in the tight realm")
		}
		publish(t, pub, "news", big, nil)
	}
	// The other realm's subscriber holds more than the tight realm's
	// limit without a drop. (Not "as many events as the tight realm
	// took": how much the kernel's socket buffers absorb first differs
	// from one connection to the next, and the loop's own bound, twice
	// the write high watermark, may then be what refuses.)
	pub, id = slowIn(realm1)
	for m := 0; ; m++ {
		publish(t, pub, "news", big, nil)
		info, ok := r.Session(realm1, id)
		if !ok || info.Dropped != 0 {
			t.Fatalf("after %d events the router's limit dropped some: %+v %v", m+1, info, ok)
		}
		if info.Queued > 2*softLimit {
			t.Logf("the tight realm dropped after %d events of 4,000 octets; the other held %d octets after %d, none dropped", n, info.Queued, m+1)
			return
		}
		if m > 5000 {
			t.Fatalf("the other realm's subscriber never held more than %d octets: %+v", 2*softLimit, info)
		}
	}
}

// RealmConfig.MaxSessions: past it a HELLO gets ABORT ReasonRealmFull;
// a session leaving makes room; other realms are not bounded by it.
func TestRealmMaxSessions(t *testing.T) {
	r := newRouter(t, func(c *router.Config) {
		c.Realms = append(c.Realms, router.RealmConfig{Name: "small", AllowAnonymous: true, MaxSessions: 2})
	})
	joinSmall := func() (*client.Session, error) {
		return client.Join(ctxT(t), r.Connect(), "small", client.JoinOptions{})
	}
	var in []*client.Session
	for range 2 {
		s, err := joinSmall()
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		in = append(in, s)
	}
	_, err := joinSmall()
	wantAbort(t, err, router.ReasonRealmFull)
	for range 3 {
		join(t, r) // realm1's bound is its own (DefaultMaxSessions)
	}
	if err := in[0].Leave(ctxT(t), ""); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the session gone", func() bool { return r.SessionCount("small") == 1 })
	s, err := joinSmall()
	if err != nil {
		t.Fatalf("a join after one left: %v", err)
	}
	s.Close()
}
