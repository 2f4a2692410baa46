package router_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// Embed the router and join two sessions in-process: one registers a
// procedure and subscribes to a topic, the other calls and publishes.
func ExampleRouter() {
	r, err := router.New(router.Config{Realms: []router.RealmConfig{{Name: "realm1", AllowAnonymous: true}}})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	defer r.Close(ctx)

	backend, err := client.Join(ctx, r.Connect(), "realm1", client.JoinOptions{})
	if err != nil {
		panic(err)
	}
	defer backend.Close()
	frontend, err := client.Join(ctx, r.Connect(), "realm1", client.JoinOptions{})
	if err != nil {
		panic(err)
	}
	defer frontend.Close()

	_, err = backend.Register(ctx, "com.example.add", func(_ context.Context, inv *client.Invocation) (*client.Result, error) {
		var a, b int64
		if err := client.DecodeArgs(inv.Args, &a, &b); err != nil {
			return nil, err
		}
		return &client.Result{Args: wamp.List{a + b}}, nil
	}, nil)
	if err != nil {
		panic(err)
	}
	got := make(chan string, 1)
	_, err = backend.Subscribe(ctx, "com.example.news", func(e *wamp.Event) { got <- e.Args[0].(string) }, nil)
	if err != nil {
		panic(err)
	}

	res, err := frontend.Call(ctx, "com.example.add", wamp.List{2, 3}, nil, nil)
	if err != nil {
		panic(err)
	}
	fmt.Println("2 + 3 =", res.Args[0])
	if err := frontend.Publish(ctx, "com.example.news", wamp.List{"hello"}, nil, &client.PublishOptions{Acknowledge: true}); err != nil {
		panic(err)
	}
	fmt.Println("event:", <-got)
	// Output:
	// 2 + 3 = 5
	// event: hello
}

// Serve the router on the event loop (ws/wsloop): no goroutine per
// session. A client joins over WebSocket and calls a procedure another
// session registered.
func ExampleRouter_LoopHandler() {
	r, err := router.New(router.Config{Realms: []router.RealmConfig{{Name: "realm1", AllowAnonymous: true}}})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	defer r.Close(ctx)

	opts := websocket.Options{WS: &ws.Options{}} // JSON, MessagePack and CBOR
	srv := &wsloop.Server{Handler: r.LoopHandler(opts), Options: opts.WS}
	addr, err := srv.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	ran := make(chan error, 1)
	go func() { ran <- srv.Run() }()
	defer func() { srv.Shutdown(ctx); <-ran }()

	join := func() *client.Session {
		c, err := websocket.Dial(ctx, "ws://"+addr.String()+"/ws", websocket.Options{Serializers: []wamp.Serializer{json.Serializer{}}})
		if err != nil {
			panic(err)
		}
		s, err := client.Join(ctx, c, "realm1", client.JoinOptions{})
		if err != nil {
			panic(err)
		}
		return s
	}
	backend, frontend := join(), join()
	defer backend.Close()
	defer frontend.Close()
	_, err = backend.Register(ctx, "com.example.upper", func(_ context.Context, inv *client.Invocation) (*client.Result, error) {
		s, _ := inv.Args[0].(string)
		return &client.Result{Args: wamp.List{strings.ToUpper(s)}}, nil
	}, nil)
	if err != nil {
		panic(err)
	}
	res, err := frontend.Call(ctx, "com.example.upper", wamp.List{"hello, loop"}, nil, nil)
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Args[0])
	// Output:
	// HELLO, LOOP
}
