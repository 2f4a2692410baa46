package router_test

import (
	"context"
	"fmt"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// A realm that keeps the last 100 events of every topic under
// com.example.sensor. (and the last retained event of each topic): a
// late subscriber gets the retained value at once and asks for the
// history with wamp.subscription.get_events.
func ExampleEventHistoryConfig() {
	r, err := router.New(router.Config{Realms: []router.RealmConfig{{
		Name: "realm1", AllowAnonymous: true,
		EventHistory: []router.EventHistoryConfig{{URI: "com.example.sensor.", Match: wamp.MatchPrefix, Limit: 100}},
	}}})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	defer r.Close(ctx)
	pub, err := client.Join(ctx, r.Connect(), "realm1", client.JoinOptions{})
	if err != nil {
		panic(err)
	}
	defer pub.Close()
	for _, temp := range []float64{20.5, 21, 21.5} {
		opts := &client.PublishOptions{Acknowledge: true, Retain: true}
		if err := pub.Publish(ctx, "com.example.sensor.temp", wamp.List{temp}, nil, opts); err != nil {
			panic(err)
		}
	}

	late, err := client.Join(ctx, r.Connect(), "realm1", client.JoinOptions{})
	if err != nil {
		panic(err)
	}
	defer late.Close()
	retained := make(chan *wamp.Event, 1)
	sub, err := late.Subscribe(ctx, "com.example.sensor.", func(e *wamp.Event) { retained <- e },
		&client.SubscribeOptions{Match: wamp.MatchPrefix, GetRetained: true})
	if err != nil {
		panic(err)
	}
	e := <-retained
	fmt.Println("retained:", e.Args[0], e.Details["topic"], e.Details["retained"])

	res, err := late.Call(ctx, "wamp.subscription.get_events", wamp.List{uint64(sub.ID)}, wamp.Dict{"reverse": true, "limit": 2}, nil)
	if err != nil {
		panic(err)
	}
	for _, ev := range res.Args[0].(wamp.List) {
		fmt.Println("history:", ev.(wamp.Dict)["args"])
	}
	// Output:
	// retained: 21.5 com.example.sensor.temp true
	// history: [21.5]
	// history: [21]
}

// Revoke a session's subscription from Go (what the meta procedure
// wamp.subscription.remove_subscriber does). A subscriber that announced
// subscription_revocation is told with UNSUBSCRIBED; this one just gets
// no more events.
func ExampleRouter_RemoveSubscriber() {
	r, err := router.New(router.Config{Realms: []router.RealmConfig{{Name: "realm1", AllowAnonymous: true}}})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	defer r.Close(ctx)
	s, err := client.Join(ctx, r.Connect(), "realm1", client.JoinOptions{})
	if err != nil {
		panic(err)
	}
	defer s.Close()
	sub, err := s.Subscribe(ctx, "com.example.news", func(*wamp.Event) {}, nil)
	if err != nil {
		panic(err)
	}
	fmt.Println(r.RemoveSubscriber("realm1", sub.ID, s.ID(), "wamp.error.not_authorized"))
	err = r.RemoveSubscriber("realm1", sub.ID, s.ID(), "") // the subscription went with its last subscriber
	fmt.Println(err.(*router.RevokeError).URI)
	// Output:
	// <nil>
	// wamp.error.no_such_subscription
}
