package rawsocket_test

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/rawsocket"
)

// The server of ExampleConn_AwaitInput with no goroutine per idle
// connection where the system allows (AwaitInputFunc: Linux): a reader
// whose next message does not come within 100 ms ends, and the
// connection's next input starts a new one; elsewhere it waits in
// AwaitInput(0) on a fresh goroutine.
func ExampleConn_AwaitInputFunc() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	ended := make(chan struct{})
	var serve func(s *rawsocket.Conn)
	wait := func(s *rawsocket.Conn) {
		if !s.AwaitInputFunc(func() { serve(s) }) {
			go func() { s.AwaitInput(0); serve(s) }()
		}
	}
	serve = func(s *rawsocket.Conn) {
		ctx := context.Background()
		for {
			m, err := s.Recv(ctx)
			if err != nil {
				s.Close()
				close(ended)
				return
			}
			s.Send(ctx, &wamp.Result{Request: m.(*wamp.Call).Request, Details: wamp.Dict{}})
			if !s.AwaitInput(100 * time.Millisecond) {
				wait(s)
				return
			}
		}
	}
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		s, err := rawsocket.Accept(context.Background(), nc, rawsocket.ServerOptions{Serializers: []wamp.Serializer{json.Serializer{}}})
		if err != nil {
			nc.Close()
			return
		}
		wait(s)
	}()

	ctx := context.Background()
	c, err := rawsocket.Dial(ctx, "tcp", ln.Addr().String(), rawsocket.Options{Serializer: json.Serializer{}})
	if err != nil {
		panic(err)
	}
	for req := range wamp.ID(2) {
		c.Send(ctx, &wamp.Call{Request: req + 1, Options: wamp.Dict{}, Procedure: "com.example.nop"})
		m, _ := c.Recv(ctx)
		fmt.Println(m.(*wamp.Result).Request)
	}
	c.Close()
	<-ended
	// Output:
	// 1
	// 2
}
