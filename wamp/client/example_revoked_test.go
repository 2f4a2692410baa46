package client_test

import (
	"context"
	"fmt"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// The router revokes a subscription (here through its Go API; the meta
// procedure wamp.subscription.remove_subscriber does the same): the
// handler gets no more events and Revoked is closed.
func ExampleSubscription_Revoked() {
	ctx := context.Background()
	r, err := router.New(router.Config{Realms: []router.RealmConfig{{Name: "realm1", AllowAnonymous: true}}})
	if err != nil {
		panic(err)
	}
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
	if err := r.RemoveSubscriber("realm1", sub.ID, s.ID(), "com.example.moderated"); err != nil {
		panic(err)
	}
	<-sub.Revoked()
	reason, _ := sub.RevokedReason()
	fmt.Println("revoked:", reason)
	// Output: revoked: com.example.moderated
}
