// Command wamp-rpc shows a WAMP call with progressive results and a call
// that is canceled: one session registers both procedures, a second one
// calls them, through any router (`autobahn serve` by default).
//
//	go run ./cmd/autobahn serve &
//	go run ./examples/wamp-rpc -url ws://127.0.0.1:9000/ws
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("wamp-rpc", flag.ContinueOnError)
	url := fs.String("url", "ws://127.0.0.1:9000/ws", "WAMP router URL (ws, wss, rs, rss or unix)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil // -h printed the usage: not a failure
		}
		return err
	}
	callee, err := client.Connect(ctx, *url, "realm1", client.ConnectOptions{})
	if err != nil {
		return err
	}
	defer callee.Leave(ctx, "")
	interrupted := make(chan error, 1)
	if err := register(ctx, callee, interrupted); err != nil {
		return err
	}

	caller, err := client.Connect(ctx, *url, "realm1", client.ConnectOptions{})
	if err != nil {
		return err
	}
	defer caller.Leave(ctx, "")

	// Progressive results: OnProgress gets each one, Call the final result.
	res, err := caller.Call(ctx, "com.example.countdown", wamp.List{3}, nil, &client.CallOptions{
		OnProgress: func(p *client.Result) { fmt.Fprintln(out, "progress:", p.Args[0]) },
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "result:", res.Args[0])

	// Cancel: when the call's ctx ends, Call sends CANCEL and returns; the
	// dealer interrupts the callee, whose handler's ctx ends.
	cctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	_, err = caller.Call(cctx, "com.example.forever", nil, nil, nil)
	fmt.Fprintln(out, "call:", err)
	select {
	case err := <-interrupted:
		fmt.Fprintln(out, "callee:", err)
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}

// register registers com.example.countdown, which sends n, n-1, … 1 as
// progressive results and then "liftoff", and com.example.forever, which
// runs until the call is canceled and reports that on interrupted.
func register(ctx context.Context, s *client.Session, interrupted chan<- error) error {
	_, err := s.Register(ctx, "com.example.countdown", func(ctx context.Context, inv *client.Invocation) (*client.Result, error) {
		var n int
		if err := client.DecodeArgs(inv.Args, &n); err != nil || n < 0 || n > 100 {
			return nil, &client.Error{URI: wamp.ErrInvalidArgument, Args: wamp.List{"want a count in 0..100"}}
		}
		for i := n; i > 0; i-- {
			if err := inv.SendProgress(ctx, wamp.List{i}, nil); err != nil {
				return nil, err
			}
		}
		return &client.Result{Args: wamp.List{"liftoff"}}, nil
	}, nil)
	if err != nil {
		return err
	}
	_, err = s.Register(ctx, "com.example.forever", func(ctx context.Context, inv *client.Invocation) (*client.Result, error) {
		<-ctx.Done() // INTERRUPT (or the session's end) cancels ctx
		interrupted <- errors.New("interrupted")
		return nil, ctx.Err()
	}, nil)
	return err
}
