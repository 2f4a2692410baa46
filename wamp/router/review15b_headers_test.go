package router_test

import (
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
	"github.com/autobahn-go/autobahn/ws"
)

// wamp.session.get and wamp.session.on_join show the upgrade's headers
// but for the values of Authorization, Proxy-Authorization and Cookie:
// any session allowed to call or subscribe read another client's session
// cookie or credentials, and could act as it. (Authenticators still get
// them whole: transport_headers_test.go.)
func TestReview15bSessionHeadersRedacted(t *testing.T) {
	r := newRouter(t, nil)
	observer := join(t, r)
	joined := make(chan wamp.Dict, 1)
	if _, err := observer.Subscribe(ctxT(t), "wamp.session.on_join", func(e *wamp.Event) {
		if len(e.Args) == 1 {
			d, _ := e.Args[0].(wamp.Dict)
			joined <- d
		}
	}, nil); err != nil {
		t.Fatal(err)
	}
	header := map[string][]string{"Authorization": {"Bearer s3cret"}, "Proxy-Authorization": {"Basic cHc="},
		"Cookie": {"cbtid=abc"}, "X-Kept": {"yes"}}
	c, err := websocket.Dial(ctxT(t), serveWebSocket(t, r), websocket.Options{Serializers: []wamp.Serializer{json.Serializer{}},
		WS: &ws.Options{Header: header}})
	if err != nil {
		t.Fatal(err)
	}
	s, err := client.Join(ctxT(t), c, realm1, client.JoinOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	check := func(where string, d wamp.Dict) {
		t.Helper()
		tr, _ := d["transport"].(wamp.Dict)
		hd, _ := tr["http_headers_received"].(wamp.Dict)
		for _, name := range []string{"authorization", "proxy-authorization", "cookie"} {
			if hd[name] != "(redacted)" {
				t.Errorf("%s: %s = %v, want (redacted)", where, name, hd[name])
			}
		}
		if hd["x-kept"] != "yes" {
			t.Errorf("%s: x-kept = %v; headers %v", where, hd["x-kept"], hd)
		}
	}
	var d wamp.Dict
	select {
	case d = <-joined:
	case <-ctxT(t).Done():
		t.Fatal("no on_join")
	}
	check("wamp.session.on_join", d)
	got, _ := result0(t, metaCall(t, observer, "wamp.session.get", wamp.List{s.ID()}, nil)).(wamp.Dict)
	check("wamp.session.get", got)
}
