package router_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// Per-realm limits: a realm whose sessions queue at most 64 KiB before the
// slow-subscriber policy applies, with at most two sessions at once.
func ExampleRealmConfig_limits() {
	r, err := router.New(router.Config{Realms: []router.RealmConfig{{
		Name: "realm1", AllowAnonymous: true,
		QueueSoftLimit: 64 << 10, SlowSubscriber: router.SlowDrop, MaxSessions: 2,
	}}})
	if err != nil {
		panic(err)
	}
	defer r.Close(context.Background())
	ctx := context.Background()
	for range 3 {
		s, err := client.Join(ctx, r.Connect(), "realm1", client.JoinOptions{})
		var ae *client.AbortError
		if errors.As(err, &ae) {
			fmt.Println("refused:", ae.Reason)
			continue
		}
		if err != nil {
			panic(err)
		}
		defer s.Close()
		fmt.Println("joined")
	}
	// Output:
	// joined
	// joined
	// refused: wamp.error.realm_full
}
