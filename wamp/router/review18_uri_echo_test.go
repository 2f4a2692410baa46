package router_test

import (
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/rawsocket"
)

// An ERROR that names a URI the client sent shows only its start, as the
// ERROR for an invalid URI does (echo). Before, a REGISTER of a reserved
// wamp.* procedure, of a procedure another session holds, or of a URI the
// client's role may not use was answered with the whole URI (up to
// 8 KiB): a client whose transport takes less (a RawSocket client asking
// for 512 octets) could not be sent that ERROR, and its session ended
// without an answer. A CALL's error named the procedure whole too (its
// too-large answer is replaced, but by payload_size_exceeded, not the
// error the call met).
func TestReview18URIEchoFitsSmallClient(t *testing.T) {
	r := newRouter(t, func(c *router.Config) {
		c.Realms[0].Roles = []router.RoleConfig{{Name: "anonymous", Permissions: []router.Permission{
			{URI: "", Match: wamp.MatchPrefix, Allow: router.Allow{Call: true, Register: true, Publish: true, Subscribe: true}},
			{URI: "com.denied.", Match: wamp.MatchPrefix},
		}}}
	})
	long := strings.Repeat("x", 1000)
	held := wamp.URI("com.held." + long)
	other, _ := rawJoinAs(t, r, plainPeer)
	other.register(1, held, nil)

	tr, err := rawsocket.Dial(ctxT(t), "tcp", serveRawSocket(t, r), rawsocket.Options{Serializer: json.Serializer{}, MaxMessageLen: 512})
	if err != nil {
		t.Fatal(err)
	}
	c := &raw{t: t, tr: tr}
	t.Cleanup(func() { tr.Close() })
	c.send(&wamp.Hello{Realm: realm1, Details: helloDetails})
	if w, ok := c.recv().(*wamp.Welcome); !ok {
		t.Fatalf("no WELCOME: %v", w)
	}
	req := wamp.ID(0)
	for _, tc := range []struct {
		m    func(req wamp.ID) wamp.Message
		want wamp.URI
	}{
		{func(req wamp.ID) wamp.Message {
			return &wamp.Register{Request: req, Options: wamp.Dict{}, Procedure: wamp.URI("wamp." + long)}
		}, wamp.ErrInvalidURI},
		{func(req wamp.ID) wamp.Message {
			return &wamp.Register{Request: req, Options: wamp.Dict{}, Procedure: held}
		}, wamp.ErrProcedureAlreadyExists},
		{func(req wamp.ID) wamp.Message {
			return &wamp.Register{Request: req, Options: wamp.Dict{}, Procedure: wamp.URI("com.denied." + long)}
		}, wamp.ErrNotAuthorized},
		{func(req wamp.ID) wamp.Message {
			return &wamp.Subscribe{Request: req, Options: wamp.Dict{}, Topic: wamp.URI("com.denied." + long)}
		}, wamp.ErrNotAuthorized},
		{func(req wamp.ID) wamp.Message {
			return &wamp.Call{Request: req, Options: wamp.Dict{}, Procedure: wamp.URI("wamp." + long)}
		}, wamp.ErrNoSuchProcedure},
		{func(req wamp.ID) wamp.Message {
			return &wamp.Call{Request: req, Options: wamp.Dict{}, Procedure: wamp.URI("com.none." + long)}
		}, wamp.ErrNoSuchProcedure},
	} {
		req++
		m := tc.m(req)
		c.send(m)
		e := c.expectError(req, tc.want)
		if msg, _ := e.Args[0].(string); len(msg) > 256 || !strings.Contains(msg, "xxxx") {
			t.Errorf("%s: ERROR %s with a message of %d octets, want at most 256 showing the URI's start: %.300s", m.Type(), e.Error, len(msg), msg)
		}
	}
	req++
	c.register(req, "com.example.after", nil) // the session goes on
}
