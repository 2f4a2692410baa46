// Command autobahn-std is Autobahn|Go's WebSocket echo server on goroutines
// (ws/wshttp inside net/http; with -raw, ws.Server.Serve on a listener with
// the zero-copy handshake), a benchmark peer: echo on /echo.
package main

import (
	"context"
	"flag"
	"log"
	"net"
	"net/http"

	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wshttp"
)

type echo struct{ ws.BaseHandler }

func (echo) OnMessage(c *ws.Conn, p []byte, isBinary bool) {
	op := ws.OpText
	if isBinary {
		op = ws.OpBinary
	}
	_ = c.WriteMessage(context.Background(), op, p)
}

func main() {
	addr := flag.String("addr", "127.0.0.1:9000", "listen address")
	raw := flag.Bool("raw", false, "serve with ws.Server.Serve instead of net/http")
	flag.Parse()
	// Keepalive pings stay on (the default), as does UTF-8 validation.
	srv := &ws.Server{Handler: echo{}}
	if *raw {
		ln, err := net.Listen("tcp", *addr)
		if err != nil {
			log.Fatal(err)
		}
		log.Fatal(srv.Serve(ln))
	}
	http.Handle("/echo", wshttp.Handler(srv))
	log.Fatal(http.ListenAndServe(*addr, nil))
}
