// Command evio is a raw TCP echo server on github.com/tidwall/evio, a benchmark peer.
package main

import (
	"flag"
	"log"

	"github.com/tidwall/evio"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9000", "listen address")
	loops := flag.Int("loops", 0, "event loops (0: GOMAXPROCS)")
	flag.Parse()
	var ev evio.Events
	ev.NumLoops = *loops
	if ev.NumLoops == 0 {
		ev.NumLoops = -1
	}
	ev.Data = func(c evio.Conn, in []byte) (out []byte, action evio.Action) {
		return in, evio.None
	}
	if err := evio.Serve(ev, "tcp://"+*addr); err != nil {
		log.Fatal(err)
	}
}
