package ws_test

import (
	"context"
	"fmt"
	"net"

	"github.com/autobahn-go/autobahn/ws"
)

type echoHandler struct{ ws.BaseHandler }

func (echoHandler) OnMessage(c *ws.Conn, op ws.Opcode, payload []byte) {
	_ = c.WriteMessage(context.Background(), op, payload)
}

// A Server on a raw listener and a client: the echo round trip.
func Example() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	srv := &ws.Server{Handler: echoHandler{}}
	done := make(chan struct{})
	go func() {
		defer close(done)
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		srv.ServeConn(context.Background(), nc)
	}()

	ctx := context.Background()
	c, err := ws.Dial(ctx, "ws://"+ln.Addr().String()+"/echo", nil)
	if err != nil {
		panic(err)
	}
	_ = c.WriteMessage(ctx, ws.OpText, []byte("hello"))
	op, p, _ := c.ReadMessage(ctx)
	fmt.Println(op, string(p))
	_ = c.Close(ws.StatusNormalClosure, "bye")
	_ = ln.Close()
	<-done
	// Output: text hello
}

// Parsing frames without any I/O: bytes in, events out.
func ExampleParser() {
	p := ws.NewParser(ws.ParserConfig{Role: ws.RoleClient, MaxMessagePayload: 1 << 20})
	in := []byte{0x01, 0x03, 'h', 'e', 'l', 0x89, 0x00, 0x80, 0x02, 'l', 'o'}
	for len(in) > 0 {
		n, ev, err := p.Parse(in)
		if err != nil {
			fmt.Println(err)
			return
		}
		in = in[n:]
		switch ev.Kind {
		case ws.EventData:
			fmt.Printf("data %q final=%v\n", ev.Payload, ev.Final)
		case ws.EventPing:
			fmt.Println("ping")
		}
	}
	// Output:
	// data "hel" final=false
	// ping
	// data "lo" final=true
}

func ExampleParseHeader() {
	h, n, err := ws.ParseHeader([]byte{0x82, 0x7e, 0x01, 0x00})
	fmt.Println(h.Op, h.Fin, h.Length, n, err)
	_, n, _ = ws.ParseHeader([]byte{0x82, 0x7e, 0x01})
	fmt.Println("partial:", n)
	// Output:
	// binary true 256 4 <nil>
	// partial: 0
}

func ExampleAcceptKey() {
	fmt.Println(ws.AcceptKey([]byte("dGhlIHNhbXBsZSBub25jZQ==")))
	// Output: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=
}

func ExampleParseRequest() {
	in := []byte("GET /echo HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
	var req ws.Request
	n, err := ws.ParseRequest(&req, in, ws.HandshakeLimits{})
	fmt.Println(n == len(in), err, ws.CheckRequest(&req), string(req.Target))
	// Output: true <nil> <nil> /echo
}

func ExampleDial() {
	ctx := context.Background()
	c, err := ws.Dial(ctx, "wss://example.com/socket", &ws.Options{
		Subprotocols: []string{"wamp.2.json"},
		Header:       map[string][]string{"Authorization": {"Bearer token"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close(ws.StatusNormalClosure, "")
	_ = c.WriteMessage(ctx, ws.OpText, []byte("hello"))
}

// A Handler shared by every connection keeps each connection's own state
// with the connection instead of in a map.
func ExampleConn_SetData() {
	type session struct{ messages int }
	a, b := net.Pipe()
	c := ws.NewConn(a, ws.RoleServer, nil, ws.Negotiated{}, &ws.Options{PingInterval: -1})
	defer c.Close(ws.StatusNormalClosure, "")
	defer b.Close() // first: the peer is gone, so Close does not wait for its answer

	fmt.Println(c.Data() == nil)   // nothing yet
	c.SetData(&session{})          // in OnOpen
	c.Data().(*session).messages++ // in OnMessage
	fmt.Println(c.Data().(*session).messages)
	// Output:
	// true
	// 1
}
