// Command gorilla is a gorilla/websocket echo server, a benchmark peer: echo
// on /echo, one goroutine per connection. With -tls it serves wss:// (net/http's
// TLS) with a self-signed certificate made at start.
package main

import (
	"flag"
	"log"
	"net/http"

	"github.com/autobahn-go/autobahn/bench/internal/selfsigned"
	"github.com/gorilla/websocket"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9000", "listen address")
	useTLS := flag.Bool("tls", false, "serve wss:// with a self-signed certificate made at start")
	flag.Parse()
	up := websocket.Upgrader{ReadBufferSize: 4096, WriteBufferSize: 4096}
	http.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		for {
			typ, p, err := c.ReadMessage()
			if err != nil {
				return
			}
			if err := c.WriteMessage(typ, p); err != nil {
				return
			}
		}
	})
	if *useTLS {
		cfg, err := selfsigned.Config("gorilla benchmark")
		if err != nil {
			log.Fatal(err)
		}
		// HTTP/1.1 only (NextProtos): a WebSocket upgrade needs it.
		hs := &http.Server{Addr: *addr, TLSConfig: cfg}
		log.Fatal(hs.ListenAndServeTLS("", ""))
	}
	log.Fatal(http.ListenAndServe(*addr, nil))
}
