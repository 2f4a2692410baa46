// Command gobwas is a gobwas/ws echo server, a benchmark peer: echo on
// /echo with the zero-copy upgrade (ws.Upgrade on the raw connection) and
// wsutil, one goroutine per connection.
package main

import (
	"flag"
	"log"
	"net"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9000", "listen address")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	for {
		c, err := ln.Accept()
		if err != nil {
			log.Fatal(err)
		}
		go func() {
			defer c.Close()
			if _, err := ws.Upgrade(c); err != nil {
				return
			}
			for {
				p, op, err := wsutil.ReadClientData(c)
				if err != nil {
					return
				}
				if err := wsutil.WriteServerMessage(c, op, p); err != nil {
					return
				}
			}
		}()
	}
}
