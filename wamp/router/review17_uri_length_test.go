package router_test

import (
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
)

// A procedure or topic URI longer than 8,192 octets is invalid
// (wamp.error.invalid_uri) and its ERROR shows only the start of it.
// Before, any length was taken: the subscriptions and registrations a
// session may hold (5,000 each by default) could each keep a URI as long
// as a message (16 MiB on a WebSocket by default), and the ERROR for an
// invalid one sent it back whole.
func TestReview17URILengthBounded(t *testing.T) {
	r := newRouter(t, nil)
	c, _ := rawJoinAs(t, r, plainPeer)
	ok := wamp.URI("com." + strings.Repeat("x", 8188)) // 8,192 octets
	long := ok + "x"
	shortErr := func(e *wamp.Error) {
		t.Helper()
		if msg, _ := e.Args[0].(string); len(msg) > 256 {
			t.Errorf("ERROR %s with a message of %d octets, want at most 256", e.Error, len(msg))
		}
	}

	c.send(&wamp.Subscribe{Request: 1, Options: wamp.Dict{}, Topic: long})
	shortErr(c.expectError(1, wamp.ErrInvalidURI))
	c.send(&wamp.Subscribe{Request: 2, Options: wamp.Dict{"match": wamp.MatchPrefix}, Topic: long})
	shortErr(c.expectError(2, wamp.ErrInvalidURI))
	c.send(&wamp.Register{Request: 3, Options: wamp.Dict{}, Procedure: long})
	shortErr(c.expectError(3, wamp.ErrInvalidURI))
	c.send(&wamp.Call{Request: 4, Options: wamp.Dict{}, Procedure: long})
	shortErr(c.expectError(4, wamp.ErrInvalidURI))
	c.send(&wamp.Publish{Request: 5, Options: wamp.Dict{"acknowledge": true}, Topic: long})
	shortErr(c.expectError(5, wamp.ErrInvalidURI))
	c.send(&wamp.Call{Request: 6, Options: wamp.Dict{}, Procedure: "com..bad" + long})
	shortErr(c.expectError(6, wamp.ErrInvalidURI))

	c.send(&wamp.Subscribe{Request: 7, Options: wamp.Dict{}, Topic: ok})
	if m, isSub := c.recv().(*wamp.Subscribed); !isSub || m.Request != 7 {
		t.Fatalf("SUBSCRIBE to a URI of 8,192 octets: got %v", m)
	}
	c.register(8, ok, nil)
}
