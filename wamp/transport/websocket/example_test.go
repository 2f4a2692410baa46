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
	"github.com/autobahn-go/autobahn/ws/wsloop"
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

// A WAMP server on the event loop: every session runs serve on a goroutine
// of its own, the loop only moves bytes.
func ExampleLoopHandler() {
	opts := websocket.Options{Serializers: []wamp.Serializer{json.Serializer{}, cbor.Serializer{}}, Batched: true}
	serve := func(s *websocket.Conn) { // closed when serve returns
		ctx := context.Background()
		m, err := s.Recv(ctx)
		if err != nil {
			return
		}
		s.Send(ctx, &wamp.Welcome{Session: 1, Details: wamp.Dict{
			"realm": string(m.(*wamp.Hello).Realm), "roles": wamp.Dict{"dealer": wamp.Dict{}}}})
		s.Recv(ctx) // until the client closes
	}
	h := websocket.LoopHandler(opts, serve)
	srv := &wsloop.Server{Handler: h, Options: opts.WS}
	addr, err := srv.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	ran := make(chan error, 1)
	go func() { ran <- srv.Run() }()
	defer func() {
		srv.Shutdown(context.Background()) // closes the connections
		<-ran
		h.Wait(context.Background()) // every serve has returned
	}()

	ctx := context.Background()
	c, err := websocket.Dial(ctx, "ws://"+addr.String()+"/ws", websocket.Options{Serializers: []wamp.Serializer{cbor.Serializer{}}, Batched: true})
	if err != nil {
		panic(err)
	}
	defer c.Close()
	fmt.Println(c.Subprotocol())
	c.Send(ctx, &wamp.Hello{Realm: "realm1", Details: wamp.Dict{"roles": wamp.Dict{"caller": wamp.Dict{}}}})
	m, _ := c.Recv(ctx)
	fmt.Println(m.(*wamp.Welcome).Details["realm"])
	// Output:
	// wamp.2.cbor.batched
	// realm1
}

// A WAMP client on the event loop: the wsloop.Client offers the
// subprotocols of opts on all its connections.
func ExampleDialLoop() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := websocket.Accept(w, r, websocket.Options{Serializers: []wamp.Serializer{json.Serializer{}, cbor.Serializer{}}})
		if err != nil {
			return
		}
		defer s.Close()
		m, err := s.Recv(r.Context())
		if err != nil {
			return
		}
		s.Send(r.Context(), &wamp.Welcome{Session: 1, Details: wamp.Dict{
			"realm": string(m.(*wamp.Hello).Realm), "roles": wamp.Dict{"dealer": wamp.Dict{}}}})
		s.Recv(r.Context())
	}))
	defer srv.Close()

	opts := websocket.Options{Serializers: []wamp.Serializer{cbor.Serializer{}, json.Serializer{}}}
	cl := &wsloop.Client{Options: opts.WSOptions()}
	defer cl.Close()
	ctx := context.Background()
	c, err := websocket.DialLoop(ctx, cl, "ws"+strings.TrimPrefix(srv.URL, "http")+"/ws", opts)
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

// welcomer answers every HELLO with a WELCOME, on the loop: no goroutine
// per session, SendNow never waits.
type welcomer struct{}

func (welcomer) OnOpen(c *websocket.Conn) {}

func (welcomer) OnMessage(c *websocket.Conn, m wamp.Message) {
	if h, ok := m.(*wamp.Hello); ok {
		err := c.SendNow(&wamp.Welcome{Session: 1, Details: wamp.Dict{
			"realm": string(h.Realm), "roles": wamp.Dict{"dealer": wamp.Dict{}}}})
		if err != nil { // ws.ErrQueueFull: the peer reads nothing
			c.Close()
		}
	}
}

func (welcomer) OnClose(c *websocket.Conn, err error) {}

// A WAMP server on the event loop without a goroutine per session: the
// Receiver gets every message decoded, on the loop.
func ExampleLoopReceiver() {
	opts := websocket.Options{Serializers: []wamp.Serializer{json.Serializer{}, cbor.Serializer{}}, Batched: true}
	srv := &wsloop.Server{Handler: websocket.LoopReceiver(opts, welcomer{}), Options: opts.WS}
	addr, err := srv.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	ran := make(chan error, 1)
	go func() { ran <- srv.Run() }()
	defer func() {
		srv.Shutdown(context.Background()) // returns after every OnClose
		<-ran
	}()

	ctx := context.Background()
	c, err := websocket.Dial(ctx, "ws://"+addr.String()+"/ws", websocket.Options{Serializers: []wamp.Serializer{cbor.Serializer{}}})
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
