// Command gws is an lxzan/gws echo server, a benchmark peer: echo on /echo
// inside net/http (gws.Upgrader, one ReadLoop goroutine per connection,
// the library's defaults: no parallel handling, no compression).
package main

import (
	"flag"
	"log"
	"net/http"

	"github.com/lxzan/gws"
)

type echo struct{ gws.BuiltinEventHandler }

func (echo) OnMessage(c *gws.Conn, m *gws.Message) {
	defer m.Close()
	_ = c.WriteMessage(m.Opcode, m.Bytes())
}

// OnPing answers with the ping's payload (the built-in handler's pong is
// empty, which RFC 6455 §5.5.3 does not allow).
func (echo) OnPing(c *gws.Conn, payload []byte) { _ = c.WritePong(payload) }

func main() {
	addr := flag.String("addr", "127.0.0.1:9000", "listen address")
	flag.Parse()
	up := gws.NewUpgrader(echo{}, nil)
	http.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r)
		if err != nil {
			return
		}
		c.ReadLoop()
	})
	log.Fatal(http.ListenAndServe(*addr, nil))
}
