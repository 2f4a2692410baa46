package deflate_test

import (
	"context"
	"fmt"
	"net"

	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/ext/deflate"
)

type echo struct{ ws.BaseHandler }

func (echo) OnMessage(c *ws.Conn, _ ws.Opcode, p []byte) {
	_ = c.WriteMessage(context.Background(), ws.OpText, p)
}

// A server and a client that both enable permessage-deflate: the client
// also asks the server for a 1 KiB window.
func ExampleNew() {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	defer ln.Close()
	srv := &ws.Server{Handler: echo{}, Options: &ws.Options{
		Extensions: []ws.Extension{deflate.New(deflate.Options{})},
	}}
	go func() {
		nc, err := ln.Accept()
		if err == nil {
			srv.ServeConn(context.Background(), nc)
		}
	}()

	ctx := context.Background()
	c, err := ws.Dial(ctx, "ws://"+ln.Addr().String()+"/", &ws.Options{
		Extensions: []ws.Extension{deflate.New(deflate.Options{ServerMaxWindowBits: 10})},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close(ws.StatusNormalClosure, "")
	fmt.Println(c.Extensions())
	_ = c.WriteMessage(ctx, ws.OpText, []byte(`{"hello":"world","hello again":"world"}`))
	_, p, _ := c.ReadMessage(ctx)
	fmt.Println(string(p))
	// Output:
	// permessage-deflate; server_max_window_bits=10
	// {"hello":"world","hello again":"world"}
}
