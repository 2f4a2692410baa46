package router

import (
	"slices"
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
)

// FuzzURIIndex is TestURIIndexDifferential for any URIs and any order of
// operations: a script of adds, removes and lookups runs on a uriIndex and
// on a plain list with the brute-force rules (naiveMatch, naiveBest), and
// the two must agree on Len, get, every match of each, and the one best
// picks. A script line is an op ('+' add, '-' remove, '?' look up), then
// for adds and removes a match ('e', 'p', 'w'), then a URI; patterns and
// URIs are kept to what the router lets in (wamp.ValidURI, loose rules).
func FuzzURIIndex(f *testing.F) {
	f.Add("+ea.b.c\n+pa.b\n+pa\n+wa..c\n+w..c\n+w.b.\n?a.b.c\n?a.x.c\n-pa.b\n?a.b.c\n-wa..c\n?a.b.c")
	f.Add("+w..\n+wa..\n+w.b.\n+w..c\n?a.b.c\n-w.b.\n?a.b.c\n?x.y")
	f.Add("+pcom.example\n+pcom.ex\n?com.example.x\n?com.exa\n-pcom.ex\n?com.exa")
	f.Add("+ea\n+ea\n-ea\n-ea\n?a\n+w\n?a\n-w\n?a")
	f.Add("+wa..b..c\n+w.a.b..c\n?a.a.b.b.c\n?x.a.b.y.c")
	f.Add("+pé.ü\n+wé..\n?é.ü.x\n+e\u00e9.\u00fc.x\n?é.ü.x")
	matchOf := map[byte]string{'e': wamp.MatchExact, 'p': wamp.MatchPrefix, 'w': wamp.MatchWildcard}
	f.Fuzz(func(t *testing.T, script string) {
		x := newURIIndex[entry]()
		var live []entry
		for i, line := range strings.Split(script, "\n") {
			if len(line) < 2 {
				continue
			}
			switch line[0] {
			case '+', '-':
				m, ok := matchOf[line[1]]
				e := entry{wamp.URI(line[2:]), m}
				if !ok || !wamp.ValidURI(e.uri, false, m) {
					continue
				}
				if line[0] == '+' {
					x.set(e.uri, e.match, e)
					if !slices.Contains(live, e) {
						live = append(live, e)
					}
				} else {
					x.del(e.uri, e.match)
					live = slices.DeleteFunc(live, func(l entry) bool { return l == e })
				}
				if x.Len() != len(live) {
					t.Fatalf("line %d %q: Len %d, want %d", i, line, x.Len(), len(live))
				}
				for _, l := range live {
					if v, ok := x.get(l.uri, l.match); !ok || v != l {
						t.Fatalf("line %d %q: get %v: %v %v", i, line, l, v, ok)
					}
				}
				if _, ok := x.get(e.uri, e.match); ok != (line[0] == '+') {
					t.Fatalf("line %d %q: get after it: %v", i, line, ok)
				}
			case '?':
				uri := wamp.URI(line[1:])
				if !wamp.ValidURI(uri, false, wamp.MatchExact) {
					continue
				}
				want, wantOK := naiveBest(live, uri)
				got, match, ok := x.best(uri)
				if ok != wantOK || (ok && (got != want || match != want.match)) {
					t.Fatalf("line %d: best(%q) = %v %s %v, want %v %v; entries %q", i, uri, got, match, ok, want, wantOK, live)
				}
				var all, wantAll []entry
				x.each(uri, func(v entry, m string) {
					if m != v.match {
						t.Fatalf("each: match %s for %v", m, v)
					}
					all = append(all, v)
				})
				for _, l := range live {
					if naiveMatch(l, uri) {
						wantAll = append(wantAll, l)
					}
				}
				cmp := func(a, b entry) int {
					return strings.Compare(string(a.uri)+"\x00"+a.match, string(b.uri)+"\x00"+b.match)
				}
				slices.SortFunc(all, cmp)
				slices.SortFunc(wantAll, cmp)
				if !slices.Equal(all, wantAll) {
					t.Fatalf("line %d: each(%q) = %q, want %q", i, uri, all, wantAll)
				}
			}
		}
	})
}
