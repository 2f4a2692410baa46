package router_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/autobahn-go/autobahn/wamp"
)

// The reason and message of wamp.session.kill, kill_by_authid,
// kill_by_authrole and kill_all go to every killed session, so they are
// bounded as an authenticator's ABORT is: a reason longer than 256 octets
// is refused with wamp.error.invalid_uri, a message is cut to 1024 octets
// on a character boundary. Before, a caller's 1 MiB message went whole to
// every session kill_all ended.
func TestReview16cKillMessageBounded(t *testing.T) {
	r := newRouter(t, nil)
	admin := join(t, r)
	long := "a" + strings.Repeat("é", 3000) // é is 2 octets: octet 1024 is inside one
	v1, v1ID := rawJoinAs(t, r, plainPeer)
	longReason := wamp.URI("com." + strings.Repeat("x", 300))
	metaRefused(t, admin, "wamp.session.kill", wamp.List{v1ID}, wamp.Dict{"reason": longReason}, wamp.ErrInvalidURI)
	metaRefused(t, admin, "wamp.session.kill_all", nil, wamp.Dict{"reason": longReason}, wamp.ErrInvalidURI)

	want := long[:1023]
	check := func(c *raw) {
		t.Helper()
		g, ok := c.recv().(*wamp.Goodbye)
		if !ok {
			t.Fatalf("got %v, want GOODBYE", g)
		}
		m, _ := g.Details["message"].(string)
		if len(m) > 1024 || !utf8.ValidString(m) || m != want {
			t.Fatalf("GOODBYE message of %d octets (valid UTF-8: %v), want the first %d octets", len(m), utf8.ValidString(m), len(want))
		}
	}
	metaCall(t, admin, "wamp.session.kill", wamp.List{v1ID}, wamp.Dict{"reason": "com.example.bye", "message": long})
	check(v1)

	v2, _ := rawJoinAs(t, r, plainPeer)
	v3, _ := rawJoinAs(t, r, plainPeer)
	res := metaCall(t, admin, "wamp.session.kill_all", nil, wamp.Dict{"message": long})
	if n := asInt(t, result0(t, res)); n != 2 {
		t.Fatalf("kill_all = %d, want 2", n)
	}
	check(v2)
	check(v3)
}
