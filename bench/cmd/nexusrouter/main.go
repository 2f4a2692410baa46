// Command nexusrouter runs a gammazero/nexus v3 router (realm "realm1",
// anonymous) with nexus's own RawSocket and WebSocket servers, so that
// WAMP clients can be measured against it from another process
// (bench/run-wamp-calls.sh). It prints one line per listener,
// "rawsocket tcp://ADDR" and "websocket ws://ADDR/", and serves until
// SIGINT or SIGTERM.
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	nexusrouter "github.com/gammazero/nexus/v3/router"
)

func main() {
	rsAddr := flag.String("rawsocket", "127.0.0.1:0", "RawSocket listen address")
	wsAddr := flag.String("websocket", "127.0.0.1:0", "WebSocket listen address")
	outQueue := flag.Int("outqueue", 0, "messages queued per client before the router refuses to invoke it (\"callee blocked\"); 0: nexus's default, 64")
	flag.Parse()
	r, err := nexusrouter.NewRouter(&nexusrouter.Config{
		RealmConfigs: []*nexusrouter.RealmConfig{{URI: "realm1", AnonymousAuth: true}},
	}, log.New(io.Discard, "", 0))
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	rss := nexusrouter.NewRawSocketServer(r)
	rss.OutQueueSize = *outQueue
	rs, err := rss.ListenAndServe("tcp", *rsAddr)
	if err != nil {
		log.Fatal(err)
	}
	defer rs.Close()
	ln, err := net.Listen("tcp", *wsAddr)
	if err != nil {
		log.Fatal(err)
	}
	wss := nexusrouter.NewWebsocketServer(r)
	wss.OutQueueSize = *outQueue
	srv := &http.Server{Handler: wss}
	go srv.Serve(ln)
	defer srv.Close()
	fmt.Printf("rawsocket tcp://%s\nwebsocket ws://%s/\n", rs.(net.Listener).Addr(), ln.Addr())
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
}
