package wsloop_test

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// pongCounter is a client handler that reports pongs (ws.PongHandler).
type pongCounter struct {
	ws.BaseHandler
	pongs chan string
}

func (h pongCounter) OnPong(_ *ws.Conn, p []byte) { h.pongs <- string(p) }

// TestDialWithLocalAddrAndPongs: the client binds the source address it is
// given, and a push-mode handler that implements ws.PongHandler sees the
// pong to its ping.
func TestDialWithLocalAddrAndPongs(t *testing.T) {
	h := newEcho()
	u, _ := serve(t, h, nil, eventloop.Config{Loops: 1})
	cl := &wsloop.Client{Options: &ws.Options{PingInterval: -1}, Config: eventloop.Config{Loops: 1}}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	pc := pongCounter{pongs: make(chan string, 1)}
	c, err := cl.DialWith(ctx, u, pc, wsloop.DialOptions{LocalAddr: "127.0.0.3:0"})
	if err != nil {
		t.Fatal(err)
	}
	if host, _, _ := net.SplitHostPort(c.LocalAddr().String()); host != "127.0.0.3" {
		t.Fatalf("local address %v, want 127.0.0.3", c.LocalAddr())
	}
	if err := c.Ping(ctx, []byte("hi")); err != nil {
		t.Fatal(err)
	}
	select {
	case p := <-pc.pongs:
		if p != "hi" {
			t.Fatalf("pong %q, want hi", p)
		}
	case <-ctx.Done():
		t.Fatal("no pong")
	}
	if _, err := cl.DialWith(ctx, u, pc, wsloop.DialOptions{LocalAddr: "not an address"}); err == nil {
		t.Fatal("a bad local address: no error")
	}
	_ = c.Close(ws.StatusNormalClosure, "")
	h.waitEnd(t)
}

// pongPrinter prints the pongs it sees.
type pongPrinter struct {
	ws.BaseHandler
	got chan struct{}
}

func (h pongPrinter) OnPong(_ *ws.Conn, p []byte) {
	fmt.Printf("pong %q\n", p)
	close(h.got)
}

// A load generator's client: connections from a chosen source address,
// and a handler that counts answers to its pings.
func ExampleClient_DialWith() {
	srv := &wsloop.Server{Handler: ws.BaseHandler{}, Config: eventloop.Config{Loops: 1}}
	addr, err := srv.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go srv.Run()
	defer srv.Shutdown(context.Background())

	cl := &wsloop.Client{Config: eventloop.Config{Loops: 1}}
	defer cl.Close()
	h := pongPrinter{got: make(chan struct{})}
	c, err := cl.DialWith(context.Background(), "ws://"+addr.String()+"/", h, wsloop.DialOptions{LocalAddr: "127.0.0.2:0"})
	if err != nil {
		panic(err)
	}
	host, _, _ := net.SplitHostPort(c.LocalAddr().String())
	fmt.Println("from", host)
	_ = c.Ping(context.Background(), []byte("are you there"))
	<-h.got
	// Output:
	// from 127.0.0.2
	// pong "are you there"
}
