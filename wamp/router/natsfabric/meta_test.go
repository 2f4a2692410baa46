package natsfabric_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/nats-io/nats.go"
)

func sessionCount(t *testing.T, s *client.Session, args wamp.List) int64 {
	t.Helper()
	res, err := s.Call(ctxT(t), "wamp.session.count", args, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := wamp.AsInt64(res.Args[0])
	return n
}

func sessionList(t *testing.T, s *client.Session) []wamp.ID {
	t.Helper()
	res, err := s.Call(ctxT(t), "wamp.session.list", nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var ids []wamp.ID
	for _, v := range res.Args[0].(wamp.List) {
		id, _ := wamp.AsID(v)
		ids = append(ids, id)
	}
	return ids
}

// wamp.session.count, list and get answer for the cluster's three
// routers; a session that leaves, and a router that leaves, drop out.
func TestSessionMetaAcrossRouters(t *testing.T) {
	a, b, c := cluster(t)
	a1, a2, b1, asker := a.join(t), a.join(t), b.join(t), c.join(t)
	b.joinRealm(t, realm2) // another realm's: not counted
	want := []wamp.ID{a1.ID(), a2.ID(), b1.ID(), asker.ID()}
	slices.Sort(want)
	waitFor(t, "four sessions", func() bool { return sessionCount(t, asker, nil) == 4 })
	if got := sessionList(t, asker); !slices.Equal(got, want) {
		t.Fatalf("list = %v, want %v", got, want)
	}
	// A learns of the others' sessions on its own (C knowing them all
	// says nothing of A): wait for it there too.
	waitFor(t, "four anonymous sessions on A", func() bool {
		return sessionCount(t, a1, wamp.List{wamp.List{"anonymous"}}) == 4
	})
	if n := sessionCount(t, b1, wamp.List{wamp.List{"nobody"}}); n != 0 {
		t.Fatalf("count(nobody) = %d, want 0", n)
	}
	res, err := asker.Call(ctxT(t), "wamp.session.get", wamp.List{a2.ID()}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	d := res.Args[0].(wamp.Dict)
	if id, _ := wamp.AsID(d["session"]); id != a2.ID() || d["authrole"] != "anonymous" || d["authmethod"] != "anonymous" {
		t.Fatalf("get(A's session) from C = %v", d)
	}
	if tr, _ := d["transport"].(wamp.Dict); tr["type"] != "fabric" || tr["peer"] != "fabric:"+a.f.Node() {
		t.Fatalf("get(A's session) transport %v", d["transport"])
	}

	a2.Close()
	waitFor(t, "A's session gone", func() bool { return sessionCount(t, asker, nil) == 3 })
	if _, err := asker.Call(ctxT(t), "wamp.session.get", wamp.List{a2.ID()}, nil, nil); errorURI(err) != "wamp.error.no_such_session" {
		t.Fatalf("get(gone session): %v", err)
	}
	// Router B leaves the fabric: its session is no longer counted.
	if err := b.f.Close(); err != nil && !errors.Is(err, nats.ErrConnectionClosed) {
		t.Fatal(err)
	}
	waitFor(t, "B's session gone", func() bool { return sessionCount(t, asker, nil) == 2 })
	// A learns of B's leaving on its own: wait for it there too.
	waitFor(t, "B's session gone on A", func() bool { return len(sessionList(t, a1)) == 2 })
	if got := sessionList(t, a1); !slices.Contains(got, a1.ID()) || !slices.Contains(got, asker.ID()) || len(got) != 2 {
		t.Fatalf("list on A = %v", got)
	}
}

// A router that stops without a word: its sessions drop out within TTL.
func TestSessionMetaRouterCrash(t *testing.T) {
	ns := startNATS(t)
	a, b := newNode(t, ns, crashOpts), newNode(t, ns, crashOpts)
	asker := a.join(t)
	b.join(t)
	waitFor(t, "two sessions", func() bool { return sessionCount(t, asker, nil) == 2 })
	b.nc.Close() // B is cut off: no goodbye
	waitFor(t, "B's session gone", func() bool { return sessionCount(t, asker, nil) == 1 })
}
