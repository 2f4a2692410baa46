// Command wamp-component is Autobahn|Python's README component in Go: it
// joins realm1 (of `autobahn serve`, or any WAMP router), registers a
// procedure, calls it, subscribes to a topic and publishes to it. The
// Component reconnects, with Autobahn's backoff, whenever the router goes
// away, until Ctrl-C.
//
//	go run ./cmd/autobahn serve &
//	go run ./examples/wamp-component -url ws://127.0.0.1:9000/ws
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil && !errors.Is(err, context.Canceled) {
		log.Fatal(err)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("wamp-component", flag.ContinueOnError)
	url := fs.String("url", "ws://127.0.0.1:9000/ws", "WAMP router URL (ws, wss, rs, rss or unix)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil // -h printed the usage: not a failure
		}
		return err
	}
	component := &client.Component{URL: *url, Realm: "realm1", OnJoin: func(ctx context.Context, s *client.Session) error {
		add2 := func(ctx context.Context, x, y int) (int, error) { return x + y, nil }
		if _, err := s.Register(ctx, "com.myapp.add2", client.Func2(add2), nil); err != nil {
			return err
		}
		res, err := s.Call(ctx, "com.myapp.add2", wamp.List{2, 3}, nil, nil)
		if err != nil {
			return err
		}
		fmt.Fprintln(out, "call result:", res.Args[0])

		onCounter := func(e *wamp.Event) { fmt.Fprintln(out, "event received:", e.Args[0]) }
		if _, err := s.Subscribe(ctx, "com.myapp.oncounter", onCounter, nil); err != nil {
			return err
		}
		// IncludeMe: the router leaves the publisher out by default.
		return s.Publish(ctx, "com.myapp.oncounter", wamp.List{1}, nil, &client.PublishOptions{IncludeMe: true})
	}}
	return component.Run(ctx)
}
