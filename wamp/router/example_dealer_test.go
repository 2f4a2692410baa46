package router_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// Revoke a callee's registration from Go: its calls go to the other
// callee of the shared registration from then on.
func ExampleRouter_RemoveCallee() {
	r, err := router.New(router.Config{Realms: []router.RealmConfig{{Name: "realm1", AllowAnonymous: true}}})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	defer r.Close(ctx)
	join := func() *client.Session {
		s, err := client.Join(ctx, r.Connect(), "realm1", client.JoinOptions{})
		if err != nil {
			panic(err)
		}
		return s
	}
	blue, green, caller := join(), join(), join()
	defer blue.Close()
	defer green.Close()
	defer caller.Close()
	name := func(n string) client.Handler {
		return func(context.Context, *client.Invocation) (*client.Result, error) {
			return &client.Result{Args: wamp.List{n}}, nil
		}
	}
	shared := &client.RegisterOptions{Invoke: router.InvokeFirst}
	reg, err := blue.Register(ctx, "com.example.color", name("blue"), shared)
	if err != nil {
		panic(err)
	}
	if _, err := green.Register(ctx, "com.example.color", name("green"), shared); err != nil {
		panic(err)
	}
	res, _ := caller.Call(ctx, "com.example.color", nil, nil, nil)
	fmt.Println(res.Args[0])

	if err := r.RemoveCallee("realm1", reg.ID, blue.ID(), "blue is retiring"); err != nil {
		panic(err)
	}
	res, _ = caller.Call(ctx, "com.example.color", nil, nil, nil)
	fmt.Println(res.Args[0])

	// A call with a timeout (CALL.Options.timeout, in ms) that the callee
	// does not meet ends with wamp.error.timeout from the dealer.
	if _, err := green.Register(ctx, "com.example.slow", func(ctx context.Context, _ *client.Invocation) (*client.Result, error) {
		<-ctx.Done() // the dealer's INTERRUPT
		return nil, ctx.Err()
	}, nil); err != nil {
		panic(err)
	}
	_, err = caller.Call(ctx, "com.example.slow", nil, nil, &client.CallOptions{Options: wamp.Dict{"timeout": 10}})
	var we *client.Error
	fmt.Println(errors.As(err, &we) && we.URI == wamp.ErrTimeout)
	// Output:
	// blue
	// green
	// true
}
