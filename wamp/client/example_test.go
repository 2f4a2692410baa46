package client_test

import (
	"context"
	"fmt"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
)

func ExampleJoin() {
	ctx := context.Background()
	// Any wamp.Transport will do; here an in-memory one to a test router.
	a, b := memPair()
	go (&fakeRouter{t: b}).serve()
	s, err := client.Join(ctx, a, "realm1", client.JoinOptions{})
	if err != nil {
		panic(err)
	}
	defer s.Leave(ctx, "")
	s.Register(ctx, "com.example.add", func(ctx context.Context, inv *client.Invocation) (*client.Result, error) {
		var x, y int
		if err := client.DecodeArgs(inv.Args, &x, &y); err != nil {
			return nil, &client.Error{URI: wamp.ErrInvalidArgument}
		}
		return &client.Result{Args: wamp.List{x + y}}, nil
	}, nil)
	res, err := s.Call(ctx, "com.example.add", wamp.List{2, 3}, nil, nil)
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Args[0])
	// Output: 5
}

func ExampleComponent() {
	ctx, cancel := context.WithCancel(context.Background())
	c := &client.Component{
		Realm: "realm1",
		Connect: func(ctx context.Context) (wamp.Transport, error) {
			a, b := memPair()
			go (&fakeRouter{t: b}).serve()
			return a, nil
		},
		OnJoin: func(ctx context.Context, s *client.Session) error {
			fmt.Println("joined", s.ID())
			cancel() // a real component would keep running
			return nil
		},
	}
	fmt.Println(c.Run(ctx))
	// Output:
	// joined 42
	// context canceled
}

func ExampleSCRAM() {
	ctx := context.Background()
	a, b := memPair()
	go (&fakeRouter{t: b, scramPass: "s3cret"}).serve()
	// Over TLS (e.g. rawsocket.Dial with Options.TLSConfig) add
	// ChannelBinding: "tls-exporter" to tie the authentication to the
	// connection; the in-memory transport here has no TLS.
	auth := &client.SCRAM{AuthID: "joe", Password: "s3cret"}
	s, err := client.Join(ctx, a, "realm1", client.JoinOptions{
		AuthID:         auth.AuthID,
		Authenticators: []client.Authenticator{auth},
	})
	if err != nil {
		panic(err)
	}
	defer s.Leave(ctx, "")
	fmt.Println("joined", s.ID(), "and the router proved it knows the password")
	// Output: joined 42 and the router proved it knows the password
}

func ExampleSession_Wait() {
	ctx := context.Background()
	a, b := memPair()
	go (&fakeRouter{t: b}).serve()
	s, err := client.Join(ctx, a, "realm1", client.JoinOptions{})
	if err != nil {
		panic(err)
	}
	s.Subscribe(ctx, "com.example.stop", func(*wamp.Event) {
		fmt.Println("stopping")
		s.Leave(ctx, "") // a handler may end its own session
	}, nil)
	no := false
	s.Publish(ctx, "com.example.stop", nil, nil, &client.PublishOptions{ExcludeMe: &no})
	<-s.Done()
	s.Wait(ctx) // not from a handler: no handler runs after it returns
	fmt.Println(s.Err())
	// Output:
	// stopping
	// wamp/client: session closed
}
