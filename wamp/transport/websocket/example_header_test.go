package websocket_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
	"github.com/autobahn-go/autobahn/ws"
)

// A server connection keeps the headers of the client's upgrade request,
// for an authenticator (a cookie, X-Forwarded-For) or a router's session
// details.
func ExampleConn_RequestHeader() {
	opts := websocket.Options{Serializers: []wamp.Serializer{json.Serializer{}}}
	seen := make(chan map[string]string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, opts)
		if err != nil {
			return
		}
		defer c.Close()
		seen <- c.RequestHeader()
	}))
	defer srv.Close()

	opts.WS = &ws.Options{Header: map[string][]string{"Cookie": {"cbtid=abc"}}}
	c, err := websocket.Dial(context.Background(), "ws"+strings.TrimPrefix(srv.URL, "http"), opts)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	h := <-seen
	fmt.Println(h["cookie"], h["sec-websocket-key"] == "")
	// Output: cbtid=abc true
}
