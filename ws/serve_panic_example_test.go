package ws_test

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/autobahn-go/autobahn/ws"
)

type fragile struct{ ws.BaseHandler }

func (fragile) OnMessage(c *ws.Conn, _ ws.Opcode, p []byte) {
	if string(p) == "boom" {
		panic("a bug in the handler")
	}
	_ = c.WriteMessage(context.Background(), ws.OpText, p)
}

// The package-level Serve contains a panic of its Handler: the connection
// is closed with 1011, the panic is logged (on Options.Logger) and counted
// in ServePanics, and the program goes on.
func ExampleServePanics() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	before := ws.ServePanics()
	done := make(chan struct{})
	go func() {
		defer close(done)
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		c, err := ws.UpgradeConn(context.Background(), nc, fragile{}, nil)
		if err != nil {
			nc.Close()
			return
		}
		ws.Serve(context.Background(), c, fragile{})
	}()

	ctx := context.Background()
	c, err := ws.Dial(ctx, "ws://"+ln.Addr().String()+"/", nil)
	if err != nil {
		panic(err)
	}
	_ = c.WriteMessage(ctx, ws.OpText, []byte("boom"))
	_, _, err = c.ReadMessage(ctx)
	var ce *ws.CloseError
	if errors.As(err, &ce) {
		fmt.Println("closed with", int(ce.Code))
	}
	_ = ln.Close()
	<-done
	fmt.Println("panics contained:", ws.ServePanics()-before)
	// Output:
	// closed with 1011
	// panics contained: 1
}
