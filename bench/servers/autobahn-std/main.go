// Command autobahn-std is Autobahn|Go's WebSocket echo server on goroutines
// (ws/wshttp inside net/http; with -raw, ws.Server.Serve on a listener with
// the zero-copy handshake; with -loop, the same handler on the event loop,
// ws/wsloop), a benchmark peer: echo on /echo.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"syscall"

	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wshttp"
	"github.com/autobahn-go/autobahn/ws/wsloop"
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
	loop := flag.Bool("loop", false, "serve on the event loop (ws/wsloop) instead of goroutines")
	flag.Parse()
	go memstats()
	// Keepalive pings stay on (the default), as does UTF-8 validation.
	if *loop {
		log.Fatal(wsloop.ListenAndServe(*addr, echo{}, nil))
	}
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

// memstats prints the Go runtime's view of memory per goroutine after a GC
// on every SIGUSR1 (kill -USR1 <pid> while connections idle).
func memstats() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGUSR1)
	for range ch {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		g := runtime.NumGoroutine()
		fmt.Printf("goroutines=%d stack/goroutine=%.2fKB heap_alloc/goroutine=%.2fKB\n",
			g, float64(m.StackInuse)/1024/float64(g), float64(m.HeapAlloc)/1024/float64(g))
	}
}
