package router_test

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/internal/wsconf"
	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/rawsocket"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// A client whose transport takes no message longer than 512 octets (a
// RawSocket client's smallest maximum; a loop server's MaxMessagePayload)
// gets the router's closing ABORT or GOODBYE with its reason even when
// the message in its Details (up to 1024 octets: an authenticator's
// refusal, a wamp.session.kill caller's message) does not fit: the
// message is cut to fit. Before, the ABORT or GOODBYE was refused by the
// transport and the connection closed without it.
func TestReview18SmallClientGetsReason(t *testing.T) {
	long := strings.Repeat("é", 500) // 1000 octets
	r := newRouter(t, func(c *router.Config) {
		c.Realms = append(c.Realms, router.RealmConfig{Name: "users", Authenticators: map[string]router.Authenticator{
			"ticket": router.AuthenticatorFunc(func(context.Context, *router.AuthRequest) (*router.Principal, error) {
				return nil, &router.AuthError{Reason: "com.example.refused", Message: long}
			}),
		}})
	})
	admin := join(t, r)
	addr := serveRawSocket(t, r)
	loopOpts := websocket.Options{Serializers: serializers, WS: &ws.Options{MaxMessagePayload: 512}}
	loopAddr, _ := wsconf.StartLoop(t, &wsloop.Server{Handler: r.LoopHandler(loopOpts), Options: loopOpts.WS, Config: eventloop.Config{Loops: 1}})
	dials := map[string]func() (wamp.Transport, error){
		"rawsocket": func() (wamp.Transport, error) {
			return rawsocket.Dial(ctxT(t), "tcp", addr, rawsocket.Options{Serializer: json.Serializer{}, MaxMessageLen: 512})
		},
		"loop": func() (wamp.Transport, error) {
			return websocket.Dial(ctxT(t), "ws://"+loopAddr.String()+"/ws", websocket.Options{Serializers: []wamp.Serializer{json.Serializer{}}})
		},
	}
	checkMessage := func(t *testing.T, d wamp.Dict) {
		t.Helper()
		m, _ := d["message"].(string)
		if m == "" || !utf8.ValidString(m) || !strings.HasPrefix(long, m) {
			t.Fatalf("message %q, want a valid prefix of the original", m)
		}
	}
	for name, dial := range dials {
		t.Run(name, func(t *testing.T) {
			open := func() *raw {
				tr, err := dial()
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { tr.Close() })
				return &raw{t: t, tr: tr}
			}

			c := open()
			c.send(&wamp.Hello{Realm: "users", Details: wamp.Dict{"roles": roles(plainPeer), "authid": "tom", "authmethods": wamp.List{"ticket"}}})
			if ch, ok := c.recv().(*wamp.Challenge); !ok {
				t.Fatalf("got %v, want CHALLENGE", ch)
			}
			c.send(&wamp.Authenticate{Signature: "x", Extra: wamp.Dict{}})
			a, ok := c.recv().(*wamp.Abort)
			if !ok || a.Reason != "com.example.refused" {
				t.Fatalf("got %v, want ABORT com.example.refused", a)
			}
			checkMessage(t, a.Details)

			c = open()
			c.send(&wamp.Hello{Realm: realm1, Details: helloDetails})
			w, ok := c.recv().(*wamp.Welcome)
			if !ok {
				t.Fatalf("no WELCOME: %v", w)
			}
			metaCall(t, admin, "wamp.session.kill", wamp.List{uint64(w.Session)}, wamp.Dict{"reason": "com.example.bye", "message": long})
			g, ok := c.recv().(*wamp.Goodbye)
			if !ok || g.Reason != "com.example.bye" {
				t.Fatalf("got %v, want GOODBYE com.example.bye", g)
			}
			checkMessage(t, g.Details)
		})
	}
}
