package router_test

import (
	"context"
	"fmt"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
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
