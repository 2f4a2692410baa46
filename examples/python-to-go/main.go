// Command python-to-go runs our WAMP router (wamp/router) in-process and a
// Go session on it that offers two procedures; Autobahn|Python calls them
// with caller.py:
//
//	go run ./examples/python-to-go -addr 127.0.0.1:8080
//	python3 examples/python-to-go/caller.py ws://127.0.0.1:8080/ws
//
// caller.py needs Autobahn|Python (Debian: apt install python3-autobahn,
// which only Debian's /usr/bin/python3 sees, so run caller.py with that one
// when another python3, such as pyenv's, comes first on PATH; or pip
// install autobahn). The router speaks JSON, MessagePack and CBOR
// over WebSocket at /ws, realm realm1, anonymous.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/serialize/msgpack"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// run serves the router and the Go procedures until ctx ends.
func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("python-to-go", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil // -h printed the usage: not a failure
		}
		return err
	}

	// The router, served over WebSocket at /ws.
	r, err := router.New(router.Config{Realms: []router.RealmConfig{{Name: "realm1", AllowAnonymous: true}}})
	if err != nil {
		return err
	}
	opts := websocket.Options{Serializers: []wamp.Serializer{json.Serializer{}, msgpack.Serializer{}, cbor.Serializer{}}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ws", func(w http.ResponseWriter, req *http.Request) {
		if c, err := websocket.Accept(w, req, opts); err == nil {
			r.ServeTransport(context.WithoutCancel(req.Context()), c)
		}
	})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	defer func() {
		r.Close(context.Background()) // ends every session, ours too
		hs.Close()
		<-served
	}()
	url := fmt.Sprintf("ws://%s/ws", ln.Addr())

	// The Go side: a session on the router that registers two procedures.
	s, err := client.Connect(ctx, url, "realm1", client.ConnectOptions{})
	if err != nil {
		return err
	}
	greet := func(ctx context.Context, name string) (string, error) {
		fmt.Fprintf(out, "greet(%q) called\n", name)
		return "Hello " + name + ", from Go", nil
	}
	if _, err := s.Register(ctx, "com.example.greet", client.Func1(greet), nil); err != nil {
		return err
	}
	add2 := func(ctx context.Context, x, y int64) (int64, error) { return x + y, nil }
	if _, err := s.Register(ctx, "com.example.add2", client.Func2(add2), nil); err != nil {
		return err
	}
	fmt.Fprintf(out, "router on %s (realm1); Go procedures com.example.greet and com.example.add2 registered\n", url)

	select {
	case <-ctx.Done():
		return nil
	case err := <-served:
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		served <- err // for the deferred wait
		return err
	}
}
