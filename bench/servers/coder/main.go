// Command coder is a coder/websocket echo server, a benchmark peer: echo on
// /echo, one goroutine per connection.
package main

import (
	"flag"
	"log"
	"net/http"

	"github.com/coder/websocket"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9000", "listen address")
	flag.Parse()
	http.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
		if err != nil {
			return
		}
		defer c.CloseNow()
		c.SetReadLimit(16 << 20)
		ctx := r.Context()
		for {
			typ, p, err := c.Read(ctx)
			if err != nil {
				return
			}
			if err := c.Write(ctx, typ, p); err != nil {
				return
			}
		}
	})
	log.Fatal(http.ListenAndServe(*addr, nil))
}
