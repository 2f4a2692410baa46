package router_test

import (
	"context"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// An Authenticator that ignores its ctx (a lookup without a deadline)
// does not hold Router.Close past Close's ctx: the router waited for its
// goroutine, so a server's shutdown hung for as long as the lookup did.
func TestReview15bStuckAuthenticatorClose(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	r, err := router.New(router.Config{Realms: []router.RealmConfig{{Name: realm1, Authenticators: map[string]router.Authenticator{
		"ticket": router.AuthenticatorFunc(func(context.Context, *router.AuthRequest) (*router.Principal, error) {
			close(entered)
			<-release // ignores ctx
			return &router.Principal{AuthRole: "user"}, nil
		}),
	}}}})
	if err != nil {
		t.Fatal(err)
	}
	joined := make(chan error, 1)
	go func() {
		_, err := client.Join(ctxT(t), r.Connect(), realm1, client.JoinOptions{AuthID: "alice",
			Authenticators: []client.Authenticator{&client.Ticket{Ticket: "t"}}})
		joined <- err
	}()
	<-entered
	closed := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		closed <- r.Close(ctx)
	}()
	select {
	case <-closed:
	case <-time.After(5 * time.Second): // the failure bound: without the fix Close waits for release
		close(release)
		<-closed
		t.Fatal("Router.Close waited for an Authenticator that ignores its ctx")
	}
	close(release)
	if err := <-joined; err == nil {
		t.Fatal("the session joined a closed router")
	}
}
