package natsfabric_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/router/natsfabric"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// Two routers over an embedded NATS server: a caller on one calls a
// callee on the other, and a publication on one reaches a subscriber on
// the other.
func Example() {
	ns, err := server.NewServer(&server.Options{DontListen: true, NoLog: true, NoSigs: true})
	if err != nil {
		panic(err)
	}
	ns.Start()
	defer func() { ns.Shutdown(); ns.WaitForShutdown() }()
	if !ns.ReadyForConnections(10 * time.Second) {
		panic("NATS not ready")
	}
	ctx := context.Background()
	newRouter := func() (*router.Router, func()) {
		nc, err := nats.Connect("", nats.InProcessServer(ns))
		if err != nil {
			panic(err)
		}
		f := natsfabric.New(nc, natsfabric.Options{})
		r, err := router.New(router.Config{Realms: []router.RealmConfig{{Name: "realm1", AllowAnonymous: true}}, Fabric: f})
		if err != nil {
			panic(err)
		}
		return r, func() { f.Close(); r.Close(ctx); nc.Close() }
	}
	a, closeA := newRouter()
	defer closeA()
	b, closeB := newRouter()
	defer closeB()
	join := func(r *router.Router) *client.Session {
		s, err := client.Join(ctx, r.Connect(), "realm1", client.JoinOptions{})
		if err != nil {
			panic(err)
		}
		return s
	}
	callee, caller := join(b), join(a)
	defer callee.Close()
	defer caller.Close()

	_, err = callee.Register(ctx, "com.example.add2", client.Func2(func(_ context.Context, x, y int64) (int64, error) {
		return x + y, nil
	}), nil)
	if err != nil {
		panic(err)
	}
	// Router A learns of the registration with B's next announcement.
	for {
		res, err := caller.Call(ctx, "com.example.add2", wamp.List{2, 3}, nil, nil)
		var we *client.Error
		if errors.As(err, &we) && we.URI == wamp.ErrNoSuchProcedure {
			time.Sleep(5 * time.Millisecond)
			continue
		}
		if err != nil {
			panic(err)
		}
		fmt.Println("2 + 3 =", res.Args[0])
		break
	}

	got := make(chan string, 1)
	if _, err := callee.Subscribe(ctx, "com.example.news", func(e *wamp.Event) { got <- e.Args[0].(string) }, nil); err != nil {
		panic(err)
	}
	if err := caller.Publish(ctx, "com.example.news", wamp.List{"hello from A"}, nil, nil); err != nil {
		panic(err)
	}
	fmt.Println(<-got)
	// Output:
	// 2 + 3 = 5
	// hello from A
}
