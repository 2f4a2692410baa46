package router_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// The ABORT of a refused HELLO quotes the realm the client named, and the
// log line the authid it claimed too: both are cut to 1,024 octets now
// (the ABORT no longer quotes an authid: review18_auth_refusal_test.go). Before, anyone could make the router log, and send
// back, a line as long as its HELLO (16 MiB on a WebSocket by default)
// per connection, unauthenticated.
func TestReview17AbortMessageBounded(t *testing.T) {
	var logs logBuffer
	r := newRouter(t, func(c *router.Config) {
		c.Logger = logs.logger()
		c.Realms = append(c.Realms, router.RealmConfig{Name: "cra", CRA: map[string]router.CRAPrincipal{"joe": {Secret: "s"}}})
	})
	huge := strings.Repeat("é", 50_000) // 100,000 octets
	for i, hello := range []*wamp.Hello{
		{Realm: wamp.URI("com." + huge), Details: helloDetails},
		{Realm: "cra", Details: wamp.Dict{"roles": helloDetails["roles"], "authmethods": wamp.List{"wampcra"}, "authid": huge}},
	} {
		c := rawConn(t, r)
		c.send(hello)
		m := c.recv()
		a, ok := m.(*wamp.Abort)
		if !ok {
			t.Fatalf("got %s, want ABORT", m.Type())
		}
		msg, _ := a.Details["message"].(string)
		quotes := i == 0 // the realm; an unknown authid is not named
		if len(msg) > 1024 || !utf8.ValidString(msg) || strings.Contains(msg, "éé") != quotes {
			t.Errorf("ABORT %s with a message of %d octets (valid UTF-8: %v), want at most 1024 quoting the start of a realm only", a.Reason, len(msg), utf8.ValidString(msg))
		}
	}
	for _, line := range strings.Split(logs.String(), "\n") {
		if len(line) > 4096 {
			t.Errorf("a log line of %d octets: %.200s", len(line), line)
		}
	}
}
