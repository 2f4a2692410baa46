package ws

import (
	"math/rand/v2"
	"testing"
	"time"
)

// The heap stays ordered and every Conn knows its slot through random
// pushes and removals.
func TestKeepaliveHeap(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var h keepaliveHeap
	var in []*Conn
	check := func() {
		t.Helper()
		for i, e := range h {
			if e.c.keepaliveSlot != i+1 {
				t.Fatalf("entry %d has slot %d", i, e.c.keepaliveSlot)
			}
			if i > 0 && h[(i-1)/2].at > e.at {
				t.Fatalf("entry %d is due before its parent", i)
			}
		}
	}
	for range 2000 {
		if len(in) > 0 && rng.IntN(3) == 0 {
			k := rng.IntN(len(in))
			c := in[k]
			in = append(in[:k], in[k+1:]...)
			if e := h.removeAt(c.keepaliveSlot - 1); e.c != c || c.keepaliveSlot != 0 {
				t.Fatalf("removed %p, want %p (slot %d)", e.c, c, c.keepaliveSlot)
			}
		} else {
			c := &Conn{}
			in = append(in, c)
			h.push(keepaliveEntry{at: time.Duration(rng.IntN(100)), c: c})
		}
		check()
	}
	var last time.Duration
	for len(h) > 0 {
		e := h.removeAt(0)
		if e.at < last {
			t.Fatalf("popped %v after %v", e.at, last)
		}
		last = e.at
		check()
	}
}

// Connections sharing Options share one keepalive group, and each is
// pinged when its own idle time is up.
func TestKeepaliveSharedPings(t *testing.T) {
	h := newEcho()
	u, srv := startServer(t, h, &Options{PingInterval: 300 * time.Millisecond, PingTimeout: time.Second})
	const n = 4
	rs := make([]*rawClient, n)
	for i := range rs {
		rs[i] = dialRaw(t, u)
		time.Sleep(5 * time.Millisecond) // different due times
	}
	g := srv.opts.keepalive
	g.mu.Lock()
	scheduled := len(g.due)
	g.mu.Unlock()
	if scheduled != n {
		t.Fatalf("%d connections scheduled in the server's group, want %d", scheduled, n)
	}
	for i, r := range rs {
		ev, _, err := r.next()
		if err != nil || ev.Kind != EventPing {
			t.Fatalf("conn %d: expected a ping, got %v %v", i, ev.Kind, err)
		}
	}
}
