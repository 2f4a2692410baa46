// Command echo-client sends one text message to a WebSocket echo server
// (examples/echo-server, `autobahn serve`'s /echo, or any other) and prints
// the reply.
//
//	go run ./examples/echo-client -url ws://127.0.0.1:9000/echo hello
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"strings"
	"time"

	"github.com/autobahn-go/autobahn/ws"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("echo-client", flag.ContinueOnError)
	url := fs.String("url", "ws://127.0.0.1:9000/echo", "WebSocket URL of an echo server")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: echo-client [-url URL] [MESSAGE...]   (the words of MESSAGE, joined by spaces; default hello)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil // -h printed the usage: not a failure
		}
		return err
	}
	msg := strings.Join(fs.Args(), " ")
	if msg == "" {
		msg = "hello"
	}
	c, err := ws.Dial(ctx, *url, nil)
	if err != nil {
		return err
	}
	defer c.Close(ws.StatusNormalClosure, "bye")
	if err := c.WriteMessage(ctx, ws.OpText, []byte(msg)); err != nil {
		return err
	}
	_, reply, err := c.ReadMessage(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s\n", reply)
	return nil
}
