package wsloop_test

import (
	"context"
	"fmt"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// greeter is an ordinary ws.Handler: it runs unchanged on goroutines
// (ws.Server, ws/wshttp) or, as here, on the event loop.
type greeter struct{ ws.BaseHandler }

func (greeter) OnMessage(c *ws.Conn, _ ws.Opcode, p []byte) {
	_ = c.WriteMessage(context.Background(), ws.OpText, append([]byte("hello, "), p...))
}

// A handler served on the event loop, and a client that talks to it.
func Example() {
	srv := &wsloop.Server{Handler: greeter{}, Config: eventloop.Config{Loops: 1}}
	addr, err := srv.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	ran := make(chan error, 1)
	go func() { ran <- srv.Run() }()

	ctx := context.Background()
	c, err := ws.Dial(ctx, "ws://"+addr.String()+"/", nil)
	if err != nil {
		panic(err)
	}
	_ = c.WriteMessage(ctx, ws.OpText, []byte("loop"))
	_, p, _ := c.ReadMessage(ctx)
	fmt.Println(string(p))
	_ = c.Close(ws.StatusNormalClosure, "")

	_ = srv.Shutdown(ctx)
	<-ran
	// Output: hello, loop
}
