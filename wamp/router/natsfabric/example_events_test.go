package natsfabric_test

import (
	"context"
	"fmt"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/router/natsfabric"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// A router subscribes to the NATS subjects of its subscriptions only:
// here router B has a prefix and an exact subscription, two subjects,
// and gets a publication of router A on both, which it delivers once per
// subscription. Router A, which has no subscriptions, gets nothing.
func ExampleFabric_Stats() {
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
	newRouter := func() (*router.Router, *natsfabric.Fabric, func()) {
		nc, err := nats.Connect("", nats.InProcessServer(ns))
		if err != nil {
			panic(err)
		}
		f := natsfabric.New(nc, natsfabric.Options{})
		r, err := router.New(router.Config{Realms: []router.RealmConfig{{Name: "realm1", AllowAnonymous: true}}, Fabric: f})
		if err != nil {
			panic(err)
		}
		return r, f, func() { f.Close(); r.Close(ctx); nc.Close() }
	}
	a, fa, closeA := newRouter()
	defer closeA()
	b, fb, closeB := newRouter()
	defer closeB()
	pub, err := client.Join(ctx, a.Connect(), "realm1", client.JoinOptions{})
	if err != nil {
		panic(err)
	}
	defer pub.Close()
	sub, err := client.Join(ctx, b.Connect(), "realm1", client.JoinOptions{})
	if err != nil {
		panic(err)
	}
	defer sub.Close()

	got := make(chan wamp.ID, 2)
	h := func(e *wamp.Event) { got <- e.Subscription }
	if _, err := sub.Subscribe(ctx, "com.example.", h, &client.SubscribeOptions{Match: wamp.MatchPrefix}); err != nil {
		panic(err)
	}
	if _, err := sub.Subscribe(ctx, "com.example.news", h, nil); err != nil {
		panic(err)
	}
	if err := pub.Publish(ctx, "com.example.news", wamp.List{"hello"}, nil, nil); err != nil {
		panic(err)
	}
	<-got
	<-got
	deadline := time.Now().Add(10 * time.Second)
	for fb.Stats().EventsDuplicate < 1 { // the second copy, dropped
		if time.Now().After(deadline) {
			panic("the second copy never came")
		}
		time.Sleep(time.Millisecond)
	}
	st := fb.Stats()
	fmt.Println("B: subjects", st.Subjects, "received", st.EventsReceived, "duplicates", st.EventsDuplicate)
	fmt.Println("A: subjects", fa.Stats().Subjects, "received", fa.Stats().EventsReceived)
	// Output:
	// B: subjects 2 received 2 duplicates 1
	// A: subjects 0 received 0
}
