// Command autobahn-tcp is a raw TCP echo server on Autobahn|Go's event loop, for bench/run-tcp.sh.
package main

import (
	"context"
	"flag"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/autobahn-go/autobahn/eventloop"
)

type echo struct{}

func (echo) OnOpen(c *eventloop.Conn) {}

func (echo) OnData(c *eventloop.Conn, in []byte) int {
	c.Write(in)
	return len(in)
}

func (echo) OnWritable(c *eventloop.Conn)         {}
func (echo) OnClose(c *eventloop.Conn, err error) {}

func main() {
	addr := flag.String("addr", "127.0.0.1:9000", "listen address")
	loops := flag.Int("loops", 0, "event loops (0: GOMAXPROCS)")
	idle := flag.Duration("idle-timeout", -1, "close connections idle this long (negative: never, like the peers)")
	flag.Parse()
	l, err := eventloop.New(eventloop.Config{Loops: *loops, IdleTimeout: *idle}, echo{})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := l.Listen("tcp", *addr); err != nil {
		log.Fatal(err)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-sig
		l.Shutdown(context.Background())
	}()
	if err := l.Run(); err != nil {
		log.Fatal(err)
	}
}
