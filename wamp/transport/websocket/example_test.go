package websocket_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
)

func ExampleDial() {
	// A server that welcomes one session.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := websocket.Accept(w, r, websocket.Options{Serializers: []wamp.Serializer{json.Serializer{}, cbor.Serializer{}}})
		if err != nil {
			return // Accept answered with the HTTP error
		}
		defer s.Close()
		m, err := s.Recv(r.Context())
		if err != nil {
			return
		}
		s.Send(r.Context(), &wamp.Welcome{Session: 1, Details: wamp.Dict{
			"realm": string(m.(*wamp.Hello).Realm), "roles": wamp.Dict{"dealer": wamp.Dict{}}}})
		s.Recv(r.Context()) // until the client closes
	}))
	defer srv.Close()

	ctx := context.Background()
	url := "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws"
	c, err := websocket.Dial(ctx, url, websocket.Options{Serializers: []wamp.Serializer{cbor.Serializer{}, json.Serializer{}}})
	if err != nil {
		panic(err)
	}
	defer c.Close()
	fmt.Println(c.Subprotocol())
	c.Send(ctx, &wamp.Hello{Realm: "realm1", Details: wamp.Dict{"roles": wamp.Dict{"caller": wamp.Dict{}}}})
	m, _ := c.Recv(ctx)
	fmt.Println(m.(*wamp.Welcome).Details["realm"])
	// Output:
	// wamp.2.cbor
	// realm1
}
