// Command echo-server is a WebSocket echo server: every message comes back
// as it came. With -loop the same handler runs on the event loop
// (ws/wsloop): no goroutine and no buffer per idle connection.
//
//	go run ./examples/echo-server -addr 127.0.0.1:9000 [-loop]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// echo sends every message back, text as text and binary as binary.
type echo struct{ ws.BaseHandler }

func (echo) OnMessage(c *ws.Conn, op ws.Opcode, payload []byte) {
	c.WriteMessage(context.Background(), op, payload)
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// run serves until ctx ends, then closes every connection with 1001.
func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("echo-server", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:9000", "address to listen on")
	loop := fs.Bool("loop", false, "serve on the event loop (ws/wsloop) instead of a goroutine per connection")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil // -h printed the usage: not a failure
		}
		return err
	}
	if *loop {
		srv := &wsloop.Server{Handler: echo{}} // the one line that moves it to the event loop
		a, err := srv.Listen("tcp", *addr)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "echo on ws://%s/ (event loop)\n", a)
		go func() { <-ctx.Done(); srv.Shutdown(context.Background()) }()
		return srv.Run()
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &ws.Server{Handler: echo{}} // a goroutine per connection
	fmt.Fprintf(out, "echo on ws://%s/ (goroutines)\n", ln.Addr())
	go func() { <-ctx.Done(); srv.Shutdown(context.Background()) }() // it closes ln too
	if err := srv.Serve(ln); !errors.Is(err, ws.ErrClosed) {
		return err
	}
	return nil
}
