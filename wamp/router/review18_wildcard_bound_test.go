package router_test

import (
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
)

// A wildcard pattern of more than 64 components is an invalid URI
// (wamp.error.invalid_uri), for REGISTER and SUBSCRIBE alike; 64 are
// taken. Before, any pattern up to 8 KiB was: the wildcard index keeps a
// node per component, so a pattern such as "a1.x.x.x…" of 8 KiB made the
// router keep over a megabyte (measured: 1.16 MB), and the 5,000
// registrations and 5,000 subscriptions one anonymous session may hold by
// default some 11 GB. Exact and prefix URIs of as many components are
// still taken (they are kept as strings).
func TestReview18WildcardComponentsBounded(t *testing.T) {
	r := newRouter(t, nil)
	c, _ := rawJoinAs(t, r, map[string][]string{"callee": {}, "subscriber": {}})
	pattern := func(first string, n int) wamp.URI { // n components
		return wamp.URI(first + strings.Repeat(".x", n-2) + ".")
	}
	long, ok := pattern("a1", 65), pattern("a2", 64)
	many := wamp.URI(strings.TrimSuffix(string(pattern("a3", 1000)), ".") + ".y") // no empty component

	c.send(&wamp.Register{Request: 1, Options: wamp.Dict{"match": wamp.MatchWildcard}, Procedure: long})
	c.expectError(1, wamp.ErrInvalidURI)
	c.send(&wamp.Subscribe{Request: 2, Options: wamp.Dict{"match": wamp.MatchWildcard}, Topic: long})
	c.expectError(2, wamp.ErrInvalidURI)

	c.register(3, ok, wamp.Dict{"match": wamp.MatchWildcard})
	c.send(&wamp.Subscribe{Request: 4, Options: wamp.Dict{"match": wamp.MatchWildcard}, Topic: ok})
	if m, isSub := c.recv().(*wamp.Subscribed); !isSub || m.Request != 4 {
		t.Fatalf("SUBSCRIBE to a wildcard pattern of 64 components: got %v", m)
	}
	c.register(5, many, nil)
	c.register(6, many, wamp.Dict{"match": wamp.MatchPrefix})
}
