package ws_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/internal/wsconf"
	"github.com/autobahn-go/autobahn/ws"
)

// echo answers every message with the same message.
type echo struct{ ws.BaseHandler }

func (echo) OnMessage(c *ws.Conn, op ws.Opcode, p []byte) {
	_ = c.WriteMessage(context.Background(), op, p)
}

// TestConformanceServer runs the conformance suite (internal/wsconf)
// against ws.Server (goroutines, zero-copy handshake) with a raw client.
func TestConformanceServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &ws.Server{Handler: echo{}, Options: wsconf.Options}
	served := make(chan struct{})
	go func() { _ = srv.Serve(ln); close(served) }()
	defer func() {
		_ = ln.Close()
		<-served
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}()
	wsconf.Server(t, "ws://"+ln.Addr().String()+"/echo")
}

// TestConformanceClient runs it against ws.Dial's client with a raw server
// that sends unmasked frames.
func TestConformanceClient(t *testing.T) {
	wsconf.Client(t, func(ctx context.Context, url string) {
		c, err := ws.Dial(ctx, url, wsconf.Options)
		if err != nil {
			t.Error(err)
			return
		}
		for {
			op, p, err := c.ReadMessage(ctx)
			if err != nil {
				break
			}
			if err := c.WriteMessage(ctx, op, p); err != nil {
				break
			}
		}
		_ = c.Close(ws.StatusNormalClosure, "")
	})
}
