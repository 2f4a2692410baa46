package natsfabric

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// stallNode is a router on ns with a Fabric whose heartbeat never comes
// in the test: it announces at its start, on another's start and when
// its registrations change, nothing else.
func stallNode(t *testing.T, ns *server.Server) (*router.Router, *Fabric) {
	t.Helper()
	nc, err := nats.Connect("", nats.InProcessServer(ns), nats.NoReconnect())
	if err != nil {
		t.Fatal(err)
	}
	f := New(nc, Options{Heartbeat: time.Hour, TTL: 2 * time.Hour})
	r, err := router.New(router.Config{Realms: []router.RealmConfig{{Name: "realm1", AllowAnonymous: true}}, Fabric: f})
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

// A router's process that stalled past the TTL (its ticker fires before
// it read what came in meanwhile) does not forget the others: a router
// is forgotten once silent past the TTL while TTL / Heartbeat (here two)
// of this router's own announcements came back, or silent for 10 × TTL. Before, the first
// tick after the stall removed every other router's registrations and
// canceled the calls in flight to them (TestCallsAnsweredThroughCrash
// failed with wamp.error.no_such_procedure under load).
func TestReview17StallIsNotSilence(t *testing.T) {
	ns, err := server.NewServer(&server.Options{DontListen: true, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	ns.Start()
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("NATS server not ready")
	}
	ra, a := stallNode(t, ns)
	rb, b := stallNode(t, ns)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	join := func(r *router.Router) *client.Session {
		s, err := client.Join(ctx, r.Connect(), "realm1", client.JoinOptions{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	sa, sb := join(ra), join(rb)
	register := func(s *client.Session, procedure wamp.URI) {
		t.Helper()
		if _, err := s.Register(ctx, procedure, func(context.Context, *client.Invocation) (*client.Result, error) {
			return &client.Result{}, nil
		}, nil); err != nil {
			t.Fatal(err)
		}
	}
	// known reports whether A knows B with n registrations, and how many
	// of A's own announcements came back since A last heard B.
	known := func(n int) (bool, uint64) {
		a.nmu.Lock()
		defer a.nmu.Unlock()
		p := a.nodes[b.node]
		if p == nil || len(p.callees) != n {
			return false, 0
		}
		return true, a.echoes - p.echoes
	}
	waitKnown := func(n int) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
			if ok, _ := known(n); ok {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("A does not know B's %d registrations", n)
			}
		}
	}
	register(sb, "com.example.b1")
	waitKnown(1)

	// The first tick after a three hour stall: B is kept.
	a.expire(time.Now().Add(3 * time.Hour))
	if ok, _ := known(1); !ok {
		t.Fatal("B forgotten at the first tick after A's stall")
	}
	// Silent for 10 × TTL: forgotten even without A's announcements back.
	a.expire(time.Now().Add(21 * time.Hour))
	if ok, _ := known(1); ok {
		t.Fatal("B kept after 10 × TTL of silence")
	}

	// B heard again, then silent while A announces: forgotten past the
	// TTL once two of A's announcements came back.
	register(sb, "com.example.b2")
	waitKnown(2)
	for i := 0; ; i++ {
		_, echoes := known(2)
		if echoes >= 2 {
			break
		}
		register(sa, wamp.URI("com.example.a"+string(rune('0'+i))))
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
			if _, e := known(2); e > echoes {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("A's announcement did not come back")
			}
		}
	}
	a.expire(time.Now().Add(time.Hour))
	if ok, _ := known(2); !ok {
		t.Fatal("B forgotten within the TTL")
	}
	a.expire(time.Now().Add(3 * time.Hour))
	if ok, _ := known(2); ok {
		t.Fatal("B kept past the TTL with two of A's announcements back")
	}
}
