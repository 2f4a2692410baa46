package router_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// Per-session limits: a realm whose sessions may hold two subscriptions
// each. The third SUBSCRIBE is refused; the session goes on.
func ExampleRealmConfig_sessionLimits() {
	r, err := router.New(router.Config{Realms: []router.RealmConfig{{
		Name: "realm1", AllowAnonymous: true,
		MaxSubscriptions: 2, MaxRegistrations: 100, MaxPendingCalls: 50,
	}}})
	if err != nil {
		panic(err)
	}
	defer r.Close(context.Background())
	ctx := context.Background()
	s, err := client.Join(ctx, r.Connect(), "realm1", client.JoinOptions{})
	if err != nil {
		panic(err)
	}
	defer s.Close()
	for _, topic := range []wamp.URI{"com.example.a", "com.example.b", "com.example.c"} {
		_, err := s.Subscribe(ctx, topic, func(*wamp.Event) {}, nil)
		var we *client.Error
		if errors.As(err, &we) {
			fmt.Println(topic, "refused:", we.URI, we.Kwargs["limit"])
			continue
		}
		if err != nil {
			panic(err)
		}
		fmt.Println(topic, "subscribed")
	}
	info, _ := r.Session("realm1", s.ID())
	fmt.Println("subscriptions:", info.Subscriptions)
	// Output:
	// com.example.a subscribed
	// com.example.b subscribed
	// com.example.c refused: wamp.error.limit_exceeded max_subscriptions
	// subscriptions: 2
}
