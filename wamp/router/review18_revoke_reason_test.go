package router_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
)

// Router.RemoveSubscriber and Router.RemoveCallee refuse a reason that is
// not UTF-8 (wamp.error.invalid_argument) and revoke nothing. Before,
// they took it and returned nil: the UNSUBSCRIBED or UNREGISTERED that
// carries it to a session that announced revocation could not be encoded
// for a JSON (or MessagePack, CBOR) peer, and that session ended as a
// failed write, for the application's bad argument.
func TestReview18RevokeReasonUTF8(t *testing.T) {
	r := newRouter(t, nil)
	tr, err := websocket.Dial(ctxT(t), serveWebSocket(t, r), websocket.Options{Serializers: []wamp.Serializer{json.Serializer{}}})
	if err != nil {
		t.Fatal(err)
	}
	c := &raw{t: t, tr: tr}
	t.Cleanup(func() { tr.Close() })
	sess := c.joinWith("subscription_revocation", "registration_revocation")
	sub := c.subscribe(1, "com.example.topic")
	reg := c.register(2, "com.example.proc", nil)

	var re *router.RevokeError
	if err := r.RemoveSubscriber(realm1, sub, sess, "bad.\xff"); !errors.As(err, &re) || re.URI != wamp.ErrInvalidArgument {
		t.Errorf("RemoveSubscriber with a reason that is not UTF-8: %v, want %s", err, wamp.ErrInvalidArgument)
	}
	if err := r.RemoveCallee(realm1, reg, sess, "bad.\xff"); err == nil || !strings.Contains(err.Error(), string(wamp.ErrInvalidArgument)) {
		t.Errorf("RemoveCallee with a reason that is not UTF-8: %v, want %s", err, wamp.ErrInvalidArgument)
	}
	c.quiet(3) // the session goes on, told nothing

	// Nothing was revoked; a good reason still revokes.
	if err := r.RemoveSubscriber(realm1, sub, sess, "com.example.reason"); err != nil {
		t.Fatal(err)
	}
	if u, ok := c.recv().(*wamp.Unsubscribed); !ok || u.Request != 0 || u.Details["reason"] != "com.example.reason" {
		t.Fatalf("got %v, want UNSUBSCRIBED with the reason", u)
	}
	if err := r.RemoveCallee(realm1, reg, sess, "com.example.reason"); err != nil {
		t.Fatal(err)
	}
	if u, ok := c.recv().(*wamp.Unregistered); !ok || u.Request != 0 || u.Details["reason"] != "com.example.reason" {
		t.Fatalf("got %v, want UNREGISTERED with the reason", u)
	}
}
