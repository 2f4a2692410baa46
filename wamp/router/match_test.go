package router

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
)

type entry struct {
	uri   wamp.URI
	match string
}

// naiveMatch is the reference: does pattern e match uri?
func naiveMatch(e entry, uri wamp.URI) bool {
	switch e.match {
	case wamp.MatchPrefix:
		return strings.HasPrefix(string(uri), string(e.uri))
	case wamp.MatchWildcard:
		p, u := strings.Split(string(e.uri), "."), strings.Split(string(uri), ".")
		if len(p) != len(u) {
			return false
		}
		for i := range p {
			if p[i] != "" && p[i] != u[i] {
				return false
			}
		}
		return true
	}
	return e.uri == uri
}

// naiveBest applies the dealer's rule by brute force.
func naiveBest(entries []entry, uri wamp.URI) (entry, bool) {
	var best entry
	found := false
	rank := func(e entry) int {
		return map[string]int{wamp.MatchExact: 0, wamp.MatchPrefix: 1, wamp.MatchWildcard: 2}[e.match]
	}
	better := func(a, b entry) bool { // a better than b
		if rank(a) != rank(b) {
			return rank(a) < rank(b)
		}
		if a.match == wamp.MatchPrefix {
			return len(a.uri) > len(b.uri)
		}
		pa, pb := strings.Split(string(a.uri), "."), strings.Split(string(b.uri), ".")
		for i := range pa {
			if (pa[i] == "") != (pb[i] == "") {
				return pa[i] != ""
			}
		}
		return false
	}
	for _, e := range entries {
		if naiveMatch(e, uri) && (!found || better(e, best)) {
			best, found = e, true
		}
	}
	return best, found
}

func randURI(rng *rand.Rand, wild bool) string {
	n := 1 + rng.IntN(4)
	comps := make([]string, n)
	for i := range comps {
		if wild && rng.IntN(3) == 0 {
			continue
		}
		comps[i] = []string{"a", "b", "ab", "c"}[rng.IntN(4)]
	}
	return strings.Join(comps, ".")
}

func randEntry(rng *rand.Rand) entry {
	switch rng.IntN(3) {
	case 0:
		return entry{wamp.URI(randURI(rng, false)), wamp.MatchExact}
	case 1:
		u := randURI(rng, false)
		return entry{wamp.URI(u[:1+rng.IntN(len(u))]), wamp.MatchPrefix}
	}
	return entry{wamp.URI(randURI(rng, true)), wamp.MatchWildcard}
}

// The index against brute force: random inserts, deletes and lookups.
func TestURIIndexDifferential(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 200 {
		x := newURIIndex[entry]()
		var live []entry
		for step := range 60 {
			e := randEntry(rng)
			if rng.IntN(3) == 0 && len(live) > 0 {
				e = live[rng.IntN(len(live))]
				x.del(e.uri, e.match)
				live = slices.DeleteFunc(live, func(l entry) bool { return l == e })
			} else if !slices.Contains(live, e) {
				x.set(e.uri, e.match, e)
				live = append(live, e)
			}
			if x.Len() != len(live) {
				t.Fatalf("round %d step %d: Len %d, want %d", round, step, x.Len(), len(live))
			}
			for _, l := range live {
				if v, ok := x.get(l.uri, l.match); !ok || v != l {
					t.Fatalf("get %v: %v %v", l, v, ok)
				}
			}
			uri := wamp.URI(randURI(rng, false))
			want, wantOK := naiveBest(live, uri)
			got, match, ok := x.best(uri)
			if ok != wantOK || (ok && (got != want || match != want.match)) {
				t.Fatalf("best(%s) = %v %s %v, want %v %v; entries %v", uri, got, match, ok, want, wantOK, live)
			}
			var all, wantAll []string
			x.each(uri, func(v entry, m string) {
				if m != v.match {
					t.Fatalf("each: match %s for %v", m, v)
				}
				all = append(all, fmt.Sprint(v))
			})
			for _, l := range live {
				if naiveMatch(l, uri) {
					wantAll = append(wantAll, fmt.Sprint(l))
				}
			}
			slices.Sort(all)
			slices.Sort(wantAll)
			if !slices.Equal(all, wantAll) {
				t.Fatalf("each(%s) = %v, want %v", uri, all, wantAll)
			}
		}
	}
}

// BenchmarkMatch: lookup time against the number of patterns (a third
// exact, a third prefix, a third wildcard), which should stay flat.
func BenchmarkMatch(b *testing.B) {
	for _, n := range []int{10, 100, 1000, 10000} {
		x := newURIIndex[int]()
		for i := range n {
			switch i % 3 {
			case 0:
				x.set(wamp.URI(fmt.Sprintf("com.app%d.proc%d", i%97, i)), wamp.MatchExact, i)
			case 1:
				x.set(wamp.URI(fmt.Sprintf("com.app%d.pre%d", i%97, i)), wamp.MatchPrefix, i)
			default:
				x.set(wamp.URI(fmt.Sprintf("com..svc%d.op", i)), wamp.MatchWildcard, i)
			}
		}
		uris := []wamp.URI{"com.app5.proc1000.x", "com.app5.pre100x", "com.z.svc200.op", "org.none.at.all"}
		b.Run(fmt.Sprintf("best/%d", n), func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				x.best(uris[i%len(uris)])
			}
		})
		b.Run(fmt.Sprintf("each/%d", n), func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				x.each(uris[i%len(uris)], func(int, string) {})
			}
		})
	}
}
