package websocket_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
)

// A server that serves each connection on goroutines of its own (the
// HTTP handler returns): a reader whose next message does not come within
// 100 ms hands over to a fresh goroutine that waits in AwaitInput, with
// the smallest stack.
func ExampleConn_AwaitInput() {
	ended := make(chan struct{})
	var serve func(s *websocket.Conn)
	serve = func(s *websocket.Conn) {
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
				go func() { s.AwaitInput(0); serve(s) }()
				return
			}
		}
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s, err := websocket.Accept(w, r, websocket.Options{Serializers: []wamp.Serializer{json.Serializer{}}}); err == nil {
			go func() { s.AwaitInput(0); serve(s) }()
		}
	}))
	defer srv.Close()

	ctx := context.Background()
	c, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), websocket.Options{Serializers: []wamp.Serializer{json.Serializer{}}})
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

// The same server with no goroutine per idle connection where the system
// allows (AwaitInputFunc: Linux): a reader whose next message does not
// come within 100 ms ends, and the connection's next input starts a new
// one; elsewhere it waits in AwaitInput(0) on a fresh goroutine.
func ExampleConn_AwaitInputFunc() {
	ended := make(chan struct{})
	var serve func(s *websocket.Conn)
	wait := func(s *websocket.Conn) {
		if !s.AwaitInputFunc(func() { serve(s) }) {
			go func() { s.AwaitInput(0); serve(s) }()
		}
	}
	serve = func(s *websocket.Conn) {
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
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s, err := websocket.Accept(w, r, websocket.Options{Serializers: []wamp.Serializer{json.Serializer{}}}); err == nil {
			wait(s)
		}
	}))
	defer srv.Close()

	ctx := context.Background()
	c, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), websocket.Options{Serializers: []wamp.Serializer{json.Serializer{}}})
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
