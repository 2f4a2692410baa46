package client_test

import (
	"context"
	"fmt"
	"net"
	"net/http"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/auth"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
)

// newRouter starts an in-process router with realm1 open to anonymous
// sessions, as `autobahn serve` hosts it. Its Connect method gives a
// transport to it; a program would dial ws://127.0.0.1:9000/ws instead.
func newRouter() *router.Router {
	r, err := router.New(router.Config{Realms: []router.RealmConfig{{Name: "realm1", AllowAnonymous: true}}})
	if err != nil {
		panic(err)
	}
	return r
}

func ExampleJoin() {
	ctx := context.Background()
	r := newRouter()
	defer r.Close(ctx)
	s, err := client.Join(ctx, r.Connect(), "realm1", client.JoinOptions{})
	if err != nil {
		panic(err)
	}
	defer s.Leave(ctx, "")
	// A Handler sees the whole INVOCATION (kwargs, details, progress).
	_, err = s.Register(ctx, "com.example.add", func(ctx context.Context, inv *client.Invocation) (*client.Result, error) {
		var x, y int
		if err := client.DecodeArgs(inv.Args, &x, &y); err != nil {
			return nil, &client.Error{URI: wamp.ErrInvalidArgument, Args: wamp.List{err.Error()}}
		}
		return &client.Result{Args: wamp.List{x + y}}, nil
	}, nil)
	if err != nil {
		panic(err)
	}
	res, err := s.Call(ctx, "com.example.add", wamp.List{2, 3}, nil, nil)
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Args[0])
	// Output: 5
}

// Func2 registers a plain Go function: arguments decoded, a bad call
// answered with wamp.error.invalid_argument.
func ExampleFunc2() {
	ctx := context.Background()
	r := newRouter()
	defer r.Close(ctx)
	s, err := client.Join(ctx, r.Connect(), "realm1", client.JoinOptions{})
	if err != nil {
		panic(err)
	}
	defer s.Leave(ctx, "")
	add2 := func(ctx context.Context, x, y int) (int, error) { return x + y, nil }
	if _, err := s.Register(ctx, "com.example.add2", client.Func2(add2), nil); err != nil {
		panic(err)
	}
	res, err := s.Call(ctx, "com.example.add2", wamp.List{2, 3}, nil, nil)
	fmt.Println(res.Args[0], err)
	_, err = s.Call(ctx, "com.example.add2", wamp.List{"two", 3}, nil, nil)
	fmt.Println(err.(*client.Error).URI)
	// Output:
	// 5 <nil>
	// wamp.error.invalid_argument
}

// Connect picks the transport from the URL; here a router served over
// WebSocket on a local port, as `autobahn serve` serves it at /ws.
func ExampleConnect() {
	ctx := context.Background()
	r := newRouter()
	defer r.Close(ctx)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		c, err := websocket.Accept(w, req, websocket.Options{Serializers: []wamp.Serializer{json.Serializer{}}})
		if err == nil {
			r.ServeTransport(context.WithoutCancel(req.Context()), c)
		}
	})}
	go srv.Serve(ln)
	defer srv.Close()

	s, err := client.Connect(ctx, "ws://"+ln.Addr().String()+"/ws", "realm1", client.ConnectOptions{})
	if err != nil {
		panic(err)
	}
	defer s.Leave(ctx, "")
	fmt.Println("joined", s.Realm())
	// Output: joined realm1
}

func ExampleComponent() {
	ctx, cancel := context.WithCancel(context.Background())
	r := newRouter()
	defer r.Close(context.Background())
	c := &client.Component{
		// URL: "ws://127.0.0.1:9000/ws", in a program; here in-process:
		Connect: func(context.Context) (wamp.Transport, error) { return r.Connect(), nil },
		Realm:   "realm1",
		OnJoin: func(ctx context.Context, s *client.Session) error {
			fmt.Println("joined", s.Realm())
			cancel() // a real component would keep running
			return nil
		},
	}
	// Run reconnects, with Autobahn's backoff, until ctx ends.
	fmt.Println(c.Run(ctx))
	// Output:
	// joined realm1
	// context canceled
}

func ExampleSCRAM() {
	ctx := context.Background()
	r, err := router.New(router.Config{Realms: []router.RealmConfig{{
		Name:  "realm1",
		SCRAM: map[string]router.SCRAMPrincipal{"joe": {KDF: auth.KDFPBKDF2, Iterations: 4096, Password: "s3cret"}},
	}}})
	if err != nil {
		panic(err)
	}
	defer r.Close(ctx)
	// Over TLS (e.g. rawsocket.Dial with Options.TLSConfig) add
	// ChannelBinding: "tls-exporter" to tie the authentication to the
	// connection; the in-memory transport here has no TLS.
	scram := &client.SCRAM{AuthID: "joe", Password: "s3cret"}
	s, err := client.Join(ctx, r.Connect(), "realm1", client.JoinOptions{
		AuthID:         scram.AuthID,
		Authenticators: []client.Authenticator{scram},
	})
	if err != nil {
		panic(err)
	}
	defer s.Leave(ctx, "")
	fmt.Println("joined as", s.Details()["authid"], "and the router proved it knows the password")
	// Output: joined as joe and the router proved it knows the password
}

// A publisher gets its own event only with IncludeMe (exclude_me=false).
func ExamplePublishOptions() {
	ctx := context.Background()
	r := newRouter()
	defer r.Close(ctx)
	s, err := client.Join(ctx, r.Connect(), "realm1", client.JoinOptions{})
	if err != nil {
		panic(err)
	}
	defer s.Leave(ctx, "")
	got := make(chan *wamp.Event, 2)
	if _, err := s.Subscribe(ctx, "com.example.hello", func(e *wamp.Event) { got <- e }, nil); err != nil {
		panic(err)
	}
	s.Publish(ctx, "com.example.hello", wamp.List{"not to me"}, nil, &client.PublishOptions{Acknowledge: true})
	s.Publish(ctx, "com.example.hello", wamp.List{"to me too"}, nil, &client.PublishOptions{IncludeMe: true})
	fmt.Println((<-got).Args[0])
	// Output: to me too
}

func ExampleSession_Wait() {
	ctx := context.Background()
	r := newRouter()
	defer r.Close(ctx)
	s, err := client.Join(ctx, r.Connect(), "realm1", client.JoinOptions{})
	if err != nil {
		panic(err)
	}
	s.Subscribe(ctx, "com.example.stop", func(*wamp.Event) {
		fmt.Println("stopping")
		s.Leave(ctx, "") // a handler may end its own session
	}, nil)
	s.Publish(ctx, "com.example.stop", nil, nil, &client.PublishOptions{IncludeMe: true})
	<-s.Done()
	s.Wait(ctx) // not from a handler: no handler runs after it returns
	fmt.Println(s.Err())
	// Output:
	// stopping
	// wamp/client: session closed
}
