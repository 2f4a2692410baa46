package router_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
	"github.com/autobahn-go/autobahn/ws"
)

// A browser client's PUBLISH whose string was cut in the middle of an
// emoji carries a lone surrogate escape (JSON.stringify writes "\ud83d").
// The router ended that client's session as a protocol violation; the
// string now arrives with U+FFFD in its place, as encoding/json reads it.
func TestReview18JSONLoneSurrogateThroughRouter(t *testing.T) {
	r := newRouter(t, nil)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		c, err := websocket.Accept(w, req, websocket.Options{Serializers: serializers})
		if err == nil {
			_ = r.Attach(c)
		}
	}))
	t.Cleanup(srv.Close)

	sub := join(t, r)
	events := make(chan *wamp.Event, 1)
	if _, err := sub.Subscribe(ctxT(t), "com.example.t", func(e *wamp.Event) { events <- e }, nil); err != nil {
		t.Fatal(err)
	}

	c, err := ws.Dial(ctxT(t), "ws"+strings.TrimPrefix(srv.URL, "http"), &ws.Options{Subprotocols: []string{"wamp.2.json"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.NetConn().Close() })
	exchange := func(send, wantPrefix string) {
		t.Helper()
		if err := c.WriteMessage(ctxT(t), ws.OpText, []byte(send)); err != nil {
			t.Fatal(err)
		}
		if _, p, err := c.ReadMessage(ctxT(t)); err != nil || !strings.HasPrefix(string(p), wantPrefix) {
			t.Fatalf("sent %s: got %q, %v; want %s...", send, p, err, wantPrefix)
		}
	}
	exchange(`[1,"realm1",{"roles":{"publisher":{}}}]`, "[2,")
	exchange(`[16,7,{"acknowledge":true},"com.example.t",["ab\ud83d"],{"\ude00":"x"}]`, "[17,7,")
	var e *wamp.Event
	select {
	case e = <-events:
	case <-ctxT(t).Done():
		t.Fatal("no EVENT")
	}
	if len(e.Args) != 1 || e.Args[0] != "ab\ufffd" || len(e.Kwargs) != 1 || e.Kwargs["\ufffd"] != "x" {
		t.Fatalf("event %v %v", e.Args, e.Kwargs)
	}
}
