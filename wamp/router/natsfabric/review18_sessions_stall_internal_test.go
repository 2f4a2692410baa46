package natsfabric

import (
	"context"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/nats-io/nats-server/v2/server"
)

// A router's own stall past the TTL does not hide the other routers'
// sessions from its meta API (wamp.session.count, list, get): they go by
// the rule of the others' registrations (TestReview17StallIsNotSilence):
// silent past the TTL while two of this router's announcements came
// back, or silent for 10 × TTL. Before, the first RemoteSessions after
// the stall dropped them until their next announcement.
func TestReview18SessionsStallIsNotSilence(t *testing.T) {
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
		t.Helper()
		s, err := client.Join(ctx, r.Connect(), "realm1", client.JoinOptions{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	// seen returns how many of B's sessions A shows at the time at.
	seen := func(at time.Time) int {
		n := 0
		for _, s := range a.remoteSessions("realm1", at) {
			if s.Node == b.node {
				n++
			}
		}
		return n
	}
	waitSeen := func(n int) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); seen(time.Now()) != n; time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("A does not show B's %d sessions", n)
			}
		}
	}
	sa := join(ra)
	join(rb)
	waitSeen(1)

	if got := seen(time.Now().Add(3 * time.Hour)); got != 1 {
		t.Fatalf("after A's three hour stall: %d of B's sessions shown, want 1", got)
	}
	if got := seen(time.Now().Add(21 * time.Hour)); got != 0 {
		t.Fatalf("after 10 × TTL of silence: %d of B's sessions shown, want 0", got)
	}

	// B heard again, then silent while A announces: hidden past the TTL
	// once two of A's announcements came back.
	join(rb)
	waitSeen(2)
	echoes := func() uint64 {
		a.ms.mu.Lock()
		defer a.ms.mu.Unlock()
		return a.ms.echoes.Load() - a.ms.nodes[b.node].echoes
	}
	for i := 0; echoes() < 2; i++ {
		before := echoes()
		if _, err := sa.Register(ctx, wamp.URI("com.example.a"+string(rune('0'+i))), func(context.Context, *client.Invocation) (*client.Result, error) {
			return &client.Result{}, nil
		}, nil); err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(10 * time.Second); echoes() == before; time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("A's announcement did not come back")
			}
		}
	}
	if got := seen(time.Now().Add(time.Hour)); got != 2 {
		t.Fatalf("within the TTL: %d of B's sessions shown, want 2", got)
	}
	if got := seen(time.Now().Add(3 * time.Hour)); got != 0 {
		t.Fatalf("past the TTL with two of A's announcements back: %d of B's sessions shown, want 0", got)
	}
}
