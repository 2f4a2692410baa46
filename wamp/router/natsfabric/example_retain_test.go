package natsfabric_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/router/natsfabric"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// With Options.JetStream, a router started after a retained PUBLISH on
// another router gives its subscriber the retained event, and its event
// history has what was published before it started.
func ExampleOptions_jetStream() {
	dir, err := os.MkdirTemp("", "natsfabric-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	ns, err := server.NewServer(&server.Options{DontListen: true, NoLog: true, NoSigs: true, JetStream: true, StoreDir: dir})
	if err != nil {
		panic(err)
	}
	ns.Start()
	defer func() { ns.Shutdown(); ns.WaitForShutdown() }()
	if !ns.ReadyForConnections(10 * time.Second) {
		panic("NATS not ready")
	}
	ctx := context.Background()
	realm := router.RealmConfig{Name: "realm1", AllowAnonymous: true,
		EventHistory: []router.EventHistoryConfig{{URI: "com.example.log", Limit: 10}}}
	newRouter := func() (*router.Router, *nats.Conn, func()) {
		nc, err := nats.Connect("", nats.InProcessServer(ns))
		if err != nil {
			panic(err)
		}
		f := natsfabric.New(nc, natsfabric.Options{JetStream: true})
		r, err := router.New(router.Config{Realms: []router.RealmConfig{realm}, Fabric: f})
		if err != nil {
			panic(err) // no JetStream on the server, say
		}
		return r, nc, func() { f.Close(); r.Close(ctx); nc.Close() }
	}
	join := func(r *router.Router) *client.Session {
		s, err := client.Join(ctx, r.Connect(), "realm1", client.JoinOptions{})
		if err != nil {
			panic(err)
		}
		return s
	}

	a, nc, closeA := newRouter()
	defer closeA()
	pub := join(a)
	defer pub.Close()
	if err := pub.Publish(ctx, "com.example.status", wamp.List{"green"}, nil, &client.PublishOptions{Retain: true, Acknowledge: true}); err != nil {
		panic(err)
	}
	if err := pub.Publish(ctx, "com.example.log", wamp.List{"started"}, nil, &client.PublishOptions{Acknowledge: true}); err != nil {
		panic(err)
	}
	// JetStream stores what NATS brings it on a goroutine of its own:
	// wait for both messages.
	js, err := jetstream.New(nc)
	if err != nil {
		panic(err)
	}
	history, err := js.StreamNameBySubject(ctx, natsfabric.Subject("realm1", "com.example.log"))
	if err != nil {
		panic(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for _, stream := range []string{"WAMPFAB_RETAINED", history} {
		for {
			if st, err := js.Stream(ctx, stream); err == nil && st.CachedInfo().State.Msgs > 0 {
				break
			}
			if time.Now().After(deadline) {
				panic("JetStream did not store the publications")
			}
			time.Sleep(5 * time.Millisecond)
		}
	}

	b, _, closeB := newRouter() // started after the publications
	defer closeB()
	sub := join(b)
	defer sub.Close()
	got := make(chan *wamp.Event, 1)
	if _, err := sub.Subscribe(ctx, "com.example.status", func(e *wamp.Event) { got <- e }, &client.SubscribeOptions{GetRetained: true}); err != nil {
		panic(err)
	}
	e := <-got
	fmt.Println("retained:", e.Args[0], e.Details["retained"])

	h, err := sub.Subscribe(ctx, "com.example.log", func(*wamp.Event) {}, nil)
	if err != nil {
		panic(err)
	}
	res, err := sub.Call(ctx, "wamp.subscription.get_events", wamp.List{uint64(h.ID)}, nil, nil)
	if err != nil {
		panic(err)
	}
	for _, ev := range res.Args[0].([]any) {
		fmt.Println("history:", ev.(map[string]any)["args"])
	}
	// Output:
	// retained: green true
	// history: [started]
}
