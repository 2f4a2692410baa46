package router_test

import (
	"context"
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
	"github.com/autobahn-go/autobahn/ws"
)

// The HTTP headers of the WebSocket upgrade reach wamp.session.get
// (transport.http_headers_received) and the authenticator, on both
// WebSocket drivers; the handshake's own headers are left out.
func TestTransportHTTPHeaders(t *testing.T) {
	seen := make(chan map[string]string, 4)
	r := newRouter(t, func(c *router.Config) {
		c.Realms = append(c.Realms, router.RealmConfig{
			Name: "hdr",
			Authenticators: map[string]router.Authenticator{"ticket": router.AuthenticatorFunc(
				func(_ context.Context, req *router.AuthRequest) (*router.Principal, error) {
					seen <- req.Transport.HTTPHeaders
					return &router.Principal{AuthRole: "user"}, nil
				})},
			Roles: []router.RoleConfig{{Name: "user", Permissions: []router.Permission{{URI: "", Match: wamp.MatchPrefix,
				Allow: router.Allow{Call: true}}}}},
		})
	})
	header := map[string][]string{"X-Router-Test": {"v1", "v2"}, "Cookie": {"cbtid=abc"}}
	for _, tt := range []struct{ name, url string }{
		{"goroutines", serveWebSocket(t, r)},
		{"loop", serveLoop(t, r, eventloop.Config{})},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := websocket.Dial(ctxT(t), tt.url, websocket.Options{Serializers: []wamp.Serializer{json.Serializer{}},
				WS: &ws.Options{Header: header}})
			if err != nil {
				t.Fatal(err)
			}
			s, err := client.Join(ctxT(t), c, "hdr", client.JoinOptions{AuthID: "joe",
				Authenticators: []client.Authenticator{&client.Ticket{Ticket: "t"}}})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			checkHeaders(t, "authenticator", <-seen, "cbtid=abc")
			d, _ := result0(t, metaCall(t, s, "wamp.session.get", wamp.List{s.ID()}, nil)).(wamp.Dict)
			tr, _ := d["transport"].(wamp.Dict)
			hd, ok := tr["http_headers_received"].(wamp.Dict)
			if !ok {
				t.Fatalf("transport = %v: no http_headers_received", tr)
			}
			got := map[string]string{}
			for k, v := range hd {
				got[k], _ = v.(string)
			}
			checkHeaders(t, "wamp.session.get", got, "(redacted)") // review15b_headers_test.go
		})
	}
	// Transports without an HTTP upgrade have none.
	s := join(t, r)
	d, _ := result0(t, metaCall(t, s, "wamp.session.get", wamp.List{s.ID()}, nil)).(wamp.Dict)
	if tr, _ := d["transport"].(wamp.Dict); tr["http_headers_received"] != nil {
		t.Fatalf("in-memory transport = %v", tr)
	}
}

func checkHeaders(t *testing.T, where string, h map[string]string, cookie string) {
	t.Helper()
	if h["x-router-test"] != "v1, v2" || h["cookie"] != cookie || !strings.HasPrefix(h["host"], "127.0.0.1:") {
		t.Fatalf("%s: headers %v", where, h)
	}
	for name := range h {
		if name == "upgrade" || name == "connection" || strings.HasPrefix(name, "sec-websocket-") {
			t.Fatalf("%s: handshake header %q kept: %v", where, name, h)
		}
	}
}
