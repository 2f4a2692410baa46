// Command gnet is a raw TCP echo server on github.com/panjf2000/gnet/v2, a benchmark peer.
package main

import (
	"flag"
	"log"

	"github.com/panjf2000/gnet/v2"
)

type echo struct{ gnet.BuiltinEventEngine }

func (*echo) OnTraffic(c gnet.Conn) gnet.Action {
	buf, _ := c.Next(-1)
	c.Write(buf)
	return gnet.None
}

func main() {
	addr := flag.String("addr", "127.0.0.1:9000", "listen address")
	loops := flag.Int("loops", 0, "event loops (0: GOMAXPROCS)")
	flag.Parse()
	opts := []gnet.Option{gnet.WithMulticore(true), gnet.WithReusePort(true)}
	if *loops > 0 {
		opts = append(opts, gnet.WithNumEventLoop(*loops))
	}
	if err := gnet.Run(&echo{}, "tcp://"+*addr, opts...); err != nil {
		log.Fatal(err)
	}
}
