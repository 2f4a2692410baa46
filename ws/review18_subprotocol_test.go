package ws

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestReview18SubprotocolToken: a client subprotocol that is not a token
// (RFC 6455 §4.1; a browser's WebSocket throws a SyntaxError for one) is
// refused with an error by AppendRequest, so by Dial (and wsloop's
// client). One with a line break was written as it was, and split the
// request: "chat\r\nX-Injected: 1" sent a header of its own, which
// Options.Header is refused for.
func TestReview18SubprotocolToken(t *testing.T) {
	u, _ := url.Parse("ws://example.com/")
	for _, p := range []string{"chat\r\nX-Injected: 1", "a b", "", "a,b", "x\x00"} {
		req, err := AppendRequest(nil, u, NewKey(), &Options{Subprotocols: []string{"wamp.2.json", p}})
		if err == nil || !strings.Contains(err.Error(), "not a token") {
			t.Errorf("subprotocol %q: %v; request %q", p, err, req)
		}
	}
	req, err := AppendRequest(nil, u, NewKey(), &Options{Subprotocols: []string{"wamp.2.json", "chat~1!"}})
	if err != nil || !strings.Contains(string(req), "\r\nSec-WebSocket-Protocol: wamp.2.json, chat~1!\r\n") {
		t.Fatalf("tokens: %q, %v", req, err)
	}

	url, _ := startServer(t, BaseHandler{}, &Options{PingInterval: -1})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := Dial(ctx, url, &Options{Subprotocols: []string{"chat\r\nX-Injected: 1"}})
	if err == nil {
		_ = c.CloseNow()
		t.Fatal("Dial sent a subprotocol with a line break")
	}
}
