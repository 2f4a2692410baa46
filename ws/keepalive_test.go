package ws

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/internal/chunked"
)

// The heap stays ordered and every Conn knows its slot through random
// pushes and removals, across several of its chunks.
func TestKeepaliveHeap(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var h keepaliveHeap
	var in []*Conn
	check := func() {
		t.Helper()
		for i := range h.len() {
			e := h.at(i)
			if int(e.c.keepaliveSlot) != i+1 {
				t.Fatalf("entry %d has slot %d", i, e.c.keepaliveSlot)
			}
			if i > 0 && h.at((i-1)/2).at > e.at {
				t.Fatalf("entry %d is due before its parent", i)
			}
		}
	}
	for range 3000 {
		if len(in) > 0 && rng.IntN(4) == 0 {
			k := rng.IntN(len(in))
			c := in[k]
			in = append(in[:k], in[k+1:]...)
			if e := h.removeAt(int(c.keepaliveSlot) - 1); e.c != c || c.keepaliveSlot != 0 {
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
	if h.len() < 2*chunked.ChunkLen {
		t.Fatalf("%d entries: the test does not span chunks", h.len())
	}
	for h.len() > 0 {
		e := h.removeAt(0)
		if e.at < last {
			t.Fatalf("popped %v after %v", e.at, last)
		}
		last = e.at
		check()
	}
}

// scheduled counts the connections in the process's keepalive groups.
func scheduled() int {
	n := 0
	for i := range keepalives {
		g := &keepalives[i]
		g.mu.Lock()
		n += g.due.len()
		g.mu.Unlock()
	}
	return n
}

// Every connection, whatever its Options (a fresh unresolved one for each
// here, as wshttp.Accept(w, r, &ws.Options{...}) makes them), is scheduled
// in the process's few keepalive groups, and each is pinged when its own
// idle time is up. (Each resolved Options used to carry a group and a
// timer of its own.)
func TestKeepaliveSharedPings(t *testing.T) {
	before := scheduled()
	const n = 4
	rs := make([]*rawClient, n)
	for i := range rs {
		u, _ := startServer(t, newEcho(), &Options{PingInterval: 300 * time.Millisecond, PingTimeout: time.Second})
		rs[i] = dialRaw(t, u)
	}
	waitFor(t, "the connections' keepalives", func() bool { return scheduled() >= before+n })
	for i, r := range rs {
		ev, _, err := r.next()
		if err != nil || ev.Kind != EventPing {
			t.Fatalf("conn %d: expected a ping, got %v %v", i, ev.Kind, err)
		}
	}
}
