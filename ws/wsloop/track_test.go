package wsloop

import (
	"math/rand/v2"
	"testing"

	"github.com/autobahn-go/autobahn/internal/chunked"
	"github.com/autobahn-go/autobahn/ws"
)

// TestTrackUntrack: a Server's table of open connections stays exact (each
// connection's slot is its index + 1, every slot given back) while
// connections leave in any order, across several chunks of the table.
func TestTrackUntrack(t *testing.T) {
	s := &Server{}
	s.d.opts = (&ws.Options{}).Resolve()
	rng := rand.New(rand.NewPCG(3, 4))
	var open []*conn
	check := func() {
		t.Helper()
		if s.conns.Len() != len(open) || s.slots != len(open) {
			t.Fatalf("%d tracked, %d slots, want %d", s.conns.Len(), s.slots, len(open))
		}
		for i := range s.conns.Len() {
			if c := *s.conns.At(i); int(c.slot) != i+1 {
				t.Fatalf("connection at %d has slot %d", i, c.slot)
			}
		}
	}
	for step := range 4000 {
		if len(open) > 0 && (step > 2500 || rng.IntN(4) == 0) {
			k := rng.IntN(len(open))
			c := open[k]
			open = append(open[:k], open[k+1:]...)
			s.untrack(c)
			if c.slot != 0 {
				t.Fatalf("an untracked connection keeps slot %d", c.slot)
			}
		} else {
			if err := s.admit(); err != nil {
				t.Fatal(err)
			}
			c := &conn{}
			s.track(c)
			open = append(open, c)
		}
		if step == 2500 && len(open) < 2*chunked.ChunkLen {
			t.Fatalf("%d open: the test does not span chunks", len(open))
		}
		check()
	}
	if s.conns.Chunks() > 1 {
		t.Fatalf("%d chunks held with no connection open", s.conns.Chunks())
	}
}
