// Command browser-page serves an HTML page whose JavaScript talks to this
// server over the browser's own WebSocket: what you type comes back from
// the echo endpoint at /ws and is listed on the page. The page is
// embedded in the binary (go:embed), so the example is one file to run.
//
//	go run ./examples/browser-page -addr 127.0.0.1:8080
//	# open http://127.0.0.1:8080/
//
// Opening the page with ?selftest=1 makes it echo a text and a binary
// message by itself and write PASS (or FAIL) into the element #result: the
// example's test loads it so in headless Chromium.
package main

import (
	"context"
	_ "embed"
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

	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wshttp"
)

//go:embed index.html
var page []byte

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

// run serves the page at / and the echo endpoint at /ws until ctx ends,
// then closes every WebSocket connection with 1001.
func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("browser-page", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil // -h printed the usage: not a failure
		}
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	wsrv := &ws.Server{Handler: echo{}}
	mux := http.NewServeMux()
	mux.Handle("GET /ws", wshttp.Handler(wsrv))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	})
	hs := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
	}
	fmt.Fprintf(out, "page on http://%s/\n", ln.Addr())
	go func() {
		<-ctx.Done()
		hs.Close()                          // the listener and plain HTTP connections
		wsrv.Shutdown(context.Background()) // the hijacked WebSocket connections
	}()
	if err := hs.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
