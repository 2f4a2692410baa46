// Command ourrouter runs this module's WAMP router (wamp/router, realm
// "realm1", anonymous) in a process of its own, the counterpart of
// cmd/nexusrouter for bench/run-router.sh: WebSocket on goroutines
// (net/http, websocket.Accept and Router.Attach, as `autobahn serve` does:
// one reader and one writer goroutine per session), WebSocket on the event loop (ws/wsloop and
// Router.LoopHandler, no goroutine per session) and RawSocket over TCP
// (goroutines). It prints one line per listener,
//
//	rawsocket tcp://ADDR
//	websocket ws://ADDR/
//	websocket-loop ws://ADDR/
//
// and serves until SIGINT or SIGTERM (-cpuprofile FILE: a CPU profile of
// the whole run).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/serialize/msgpack"
	"github.com/autobahn-go/autobahn/wamp/transport/rawsocket"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

func main() {
	rsAddr := flag.String("rawsocket", "127.0.0.1:0", "RawSocket listen address")
	wsAddr := flag.String("websocket", "127.0.0.1:0", "WebSocket (goroutines) listen address")
	loopAddr := flag.String("websocket-loop", "127.0.0.1:0", "WebSocket (event loop) listen address")
	cpuProf := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file (stopped by SIGINT or SIGTERM)")
	heapProf := flag.String("heapprofile", "", "at SIGINT or SIGTERM, before closing, write a heap profile to this file and the runtime's memory statistics to stderr")
	flag.Parse()
	if *cpuProf != "" {
		f, err := os.Create(*cpuProf)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer func() {
			pprof.StopCPUProfile()
			_ = f.Close()
		}()
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	r, err := router.New(router.Config{
		Realms: []router.RealmConfig{{Name: "realm1", AllowAnonymous: true}},
		Logger: logger,
	})
	if err != nil {
		log.Fatal(err)
	}
	sers := []wamp.Serializer{json.Serializer{}, msgpack.Serializer{}, cbor.Serializer{}}
	opts := websocket.Options{Serializers: sers, WS: &ws.Options{Logger: logger}}

	rs, err := net.Listen("tcp", *rsAddr)
	if err != nil {
		log.Fatal(err)
	}
	go func() {
		for {
			nc, err := rs.Accept()
			if err != nil {
				return
			}
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				c, err := rawsocket.Accept(ctx, nc, rawsocket.ServerOptions{Serializers: sers})
				if err != nil {
					_ = nc.Close()
					return
				}
				_ = r.Attach(c)
			}()
		}
	}()

	ln, err := net.Listen("tcp", *wsAddr)
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(rw http.ResponseWriter, req *http.Request) {
		c, err := websocket.Accept(rw, req, opts)
		if err != nil {
			return
		}
		// Attach, not ServeTransport: the handler returns and net/http's
		// goroutine ends, freeing its stack and its 8 KiB of bufio buffers
		// (its conn keeps them while the handler runs, hijacked or not).
		_ = r.Attach(c)
	})}
	go func() { _ = srv.Serve(ln) }()

	lsrv := &wsloop.Server{Handler: r.LoopHandler(opts), Options: opts.WS}
	la, err := lsrv.Listen("tcp", *loopAddr)
	if err != nil {
		log.Fatal(err)
	}
	go func() { _ = lsrv.Run() }()

	fmt.Printf("rawsocket tcp://%s\nwebsocket ws://%s/\nwebsocket-loop ws://%s/\n", rs.Addr(), ln.Addr(), la)
	serveGCStats() // gcstats.go: SIGUSR1 prints the collector's counters
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	if *heapProf != "" {
		writeHeap(*heapProf)
	}
	_ = rs.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = r.Close(ctx)
	_ = srv.Close()
	_ = lsrv.Shutdown(ctx)
}

// writeHeap writes a heap profile of what is in use to file and the
// runtime's view of memory (heap, stacks) to stderr.
func writeHeap(file string) {
	runtime.GC()
	f, err := os.Create(file)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		log.Fatal(err)
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Fprintf(os.Stderr, "heap in use %d KiB, stacks in use %d KiB, goroutines %d, sys %d KiB\n",
		ms.HeapInuse>>10, ms.StackInuse>>10, runtime.NumGoroutine(), ms.Sys>>10)
}
