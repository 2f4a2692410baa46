package natsfabric

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// A router on a NATS connection with NoEcho never hears its own
// announcements back, so the echo count cannot tell its stall from the
// others' silence: another router silent past the TTL is forgotten (its
// registrations and sessions go), as the TTL's documentation says.
// Before, such a router kept a crashed one for 10 × TTL (autobahn-fabric
// serve connected with NoEcho).
func TestReview18NoEchoForgetsPastTTL(t *testing.T) {
	ns, err := server.NewServer(&server.Options{DontListen: true, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	ns.Start()
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("NATS server not ready")
	}
	nc, err := nats.Connect("", nats.InProcessServer(ns), nats.NoReconnect(), nats.NoEcho())
	if err != nil {
		t.Fatal(err)
	}
	a := New(nc, Options{Heartbeat: time.Hour, TTL: 2 * time.Hour})
	ra, err := router.New(router.Config{Realms: []router.RealmConfig{{Name: "realm1", AllowAnonymous: true}}, Fabric: a})
	if err != nil {
		nc.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := a.Close(); err != nil && !errors.Is(err, nats.ErrConnectionClosed) {
			t.Errorf("fabric Close: %v", err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := ra.Close(ctx); err != nil {
			t.Errorf("router Close: %v", err)
		}
		nc.Close()
	})
	rb, b := stallNode(t, ns)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sb, err := client.Join(ctx, rb.Connect(), "realm1", client.JoinOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	if _, err := sb.Register(ctx, "com.example.b", func(context.Context, *client.Invocation) (*client.Result, error) {
		return &client.Result{}, nil
	}, nil); err != nil {
		t.Fatal(err)
	}
	known := func() bool {
		a.nmu.Lock()
		defer a.nmu.Unlock()
		p := a.nodes[b.node]
		return p != nil && len(p.callees) == 1
	}
	for deadline := time.Now().Add(10 * time.Second); !known() || len(a.remoteSessions("realm1", time.Now())) != 1; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("A does not know B's registration and session")
		}
	}
	later := time.Now().Add(3 * time.Hour) // past the TTL, within 10 × TTL
	if n := len(a.remoteSessions("realm1", later)); n != 0 {
		t.Errorf("B silent past the TTL: A shows %d of its sessions, want 0", n)
	}
	a.expire(later)
	if known() {
		t.Error("B silent past the TTL: A keeps its registration")
	}
}
