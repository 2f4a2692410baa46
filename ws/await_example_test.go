package ws_test

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/autobahn-go/autobahn/ws"
)

// A connection served on goroutines of its own: its reader keeps its
// goroutine while messages follow each other within 100 ms; an idle
// connection waits for its next input in AwaitInput on a fresh goroutine,
// with the smallest stack, not deep in ReadMessage.
func ExampleConn_AwaitInput() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	ended := make(chan struct{})
	var serve func(c *ws.Conn)
	serve = func(c *ws.Conn) {
		for {
			op, p, err := c.ReadMessage(context.Background())
			if err != nil {
				close(ended)
				return
			}
			_ = c.WriteMessage(context.Background(), op, p)
			if !c.AwaitInput(100 * time.Millisecond) {
				go func() { c.AwaitInput(0); serve(c) }()
				return
			}
		}
	}
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		c, err := ws.UpgradeConn(context.Background(), nc, ws.BaseHandler{}, nil)
		if err != nil {
			return
		}
		c.AwaitInput(0)
		serve(c)
	}()

	ctx := context.Background()
	c, err := ws.Dial(ctx, "ws://"+ln.Addr().String()+"/", nil)
	if err != nil {
		panic(err)
	}
	for _, msg := range []string{"hello", "again"} {
		_ = c.WriteMessage(ctx, ws.OpText, []byte(msg))
		_, p, _ := c.ReadMessage(ctx)
		fmt.Println(string(p))
	}
	_ = c.Close(ws.StatusNormalClosure, "bye")
	<-ended
	// Output:
	// hello
	// again
}

// The same echo server with no goroutine for an idle connection where the
// system allows it (AwaitInputFunc: Linux): the connection's next input
// starts a new reader; elsewhere it waits in AwaitInput(0) as above.
func ExampleConn_AwaitInputFunc() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	ended := make(chan struct{})
	var serve func(c *ws.Conn)
	wait := func(c *ws.Conn) {
		if !c.AwaitInputFunc(func() { serve(c) }) {
			go func() { c.AwaitInput(0); serve(c) }()
		}
	}
	serve = func(c *ws.Conn) {
		for {
			op, p, err := c.ReadMessage(context.Background())
			if err != nil {
				close(ended)
				return
			}
			_ = c.WriteMessage(context.Background(), op, p)
			if !c.AwaitInput(100 * time.Millisecond) {
				wait(c)
				return
			}
		}
	}
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		c, err := ws.UpgradeConn(context.Background(), nc, ws.BaseHandler{}, nil)
		if err != nil {
			return
		}
		wait(c)
	}()

	ctx := context.Background()
	c, err := ws.Dial(ctx, "ws://"+ln.Addr().String()+"/", nil)
	if err != nil {
		panic(err)
	}
	for _, msg := range []string{"hello", "again"} {
		_ = c.WriteMessage(ctx, ws.OpText, []byte(msg))
		_, p, _ := c.ReadMessage(ctx)
		fmt.Println(string(p))
	}
	_ = c.Close(ws.StatusNormalClosure, "bye")
	<-ended
	// Output:
	// hello
	// again
}
