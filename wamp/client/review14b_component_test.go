package client_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
)

// TestComponentOnJoinEndsWithSession: an OnJoin that runs until its ctx
// ends and returns ctx.Err() (the usual shape of an application's main
// loop) does not make a session the router ended count as a failed
// attempt: the component joined every time, so MaxRetries, which counts
// failed attempts in a row, is never reached. It was: Run gave up with
// ErrRetriesExhausted after MaxRetries+1 successful joins.
func TestComponentOnJoinEndsWithSession(t *testing.T) {
	ctx, cancel := context.WithCancel(ctxT(t))
	defer cancel()
	const want = 4
	var (
		mu      sync.Mutex
		joins   int
		routers sync.WaitGroup
	)
	c := &client.Component{
		Realm: "realm1",
		Retry: client.RetryPolicy{InitialDelay: time.Millisecond, Jitter: -1, MaxRetries: 1},
		Connect: func(context.Context) (wamp.Transport, error) {
			a, b := memPair()
			routers.Add(1)
			go func() { // joins the client, then ends its session with GOODBYE
				defer routers.Done()
				defer b.Close()
				for {
					m, err := b.Recv(context.Background())
					if err != nil {
						return
					}
					switch m.(type) {
					case *wamp.Hello:
						b.Send(context.Background(), &wamp.Welcome{Session: 1, Details: wamp.Dict{"roles": wamp.Dict{"broker": wamp.Dict{}}}})
						b.Send(context.Background(), &wamp.Goodbye{Details: wamp.Dict{}, Reason: wamp.ErrSystemShutdown})
					case *wamp.Goodbye:
						return
					}
				}
			}()
			return a, nil
		},
		OnJoin: func(ctx context.Context, s *client.Session) error {
			mu.Lock()
			joins++
			if joins == want {
				cancel()
			}
			mu.Unlock()
			<-ctx.Done()
			return ctx.Err()
		},
	}
	err := c.Run(ctx)
	routers.Wait()
	mu.Lock()
	defer mu.Unlock()
	if !errors.Is(err, context.Canceled) || joins != want {
		t.Fatalf("Run = %v after %d joins; want context.Canceled after %d", err, joins, want)
	}
}

// TestComponentOnJoinClosesAndFails: an OnJoin that ends the session
// itself and returns an error still counts as a failed attempt.
func TestComponentOnJoinClosesAndFails(t *testing.T) {
	var routers sync.WaitGroup
	joins := 0
	setup := errors.New("setup failed")
	c := &client.Component{
		Realm: "realm1",
		Retry: client.RetryPolicy{InitialDelay: time.Millisecond, Jitter: -1, MaxRetries: 1},
		Connect: func(context.Context) (wamp.Transport, error) {
			a, b := memPair()
			routers.Add(1)
			go func() { defer routers.Done(); (&fakeRouter{t: b}).serve() }()
			return a, nil
		},
		OnJoin: func(ctx context.Context, s *client.Session) error {
			joins++
			s.Close()
			return setup
		},
	}
	err := c.Run(ctxT(t))
	routers.Wait()
	if !errors.Is(err, client.ErrRetriesExhausted) || !errors.Is(err, setup) || joins != 2 {
		t.Fatalf("Run = %v after %d joins; want ErrRetriesExhausted and OnJoin's error after 2", err, joins)
	}
}
