package client_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
	"github.com/autobahn-go/autobahn/ws"
)

// review16Opts are the WebSocket options of both sides: no keepalive, and
// closeTimeout.
func review16Opts(closeTimeout time.Duration) websocket.Options {
	return websocket.Options{
		Serializers: []wamp.Serializer{json.Serializer{}},
		WS:          &ws.Options{CloseTimeout: closeTimeout, PingInterval: -1},
	}
}

// review16Peer serves one WebSocket on goroutines as a scripted router:
// it welcomes the client and then runs script, after which it closes its
// end (answering a close frame, if the client sent one). It returns the
// client's transport, dialed; closeTimeout is both sides' CloseTimeout.
func review16Peer(t *testing.T, closeTimeout time.Duration, script func(c *websocket.Conn)) *websocket.Conn {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan struct{})
	srv := &http.Server{Handler: http.HandlerFunc(func(rw http.ResponseWriter, req *http.Request) {
		c, err := websocket.Accept(rw, req, review16Opts(closeTimeout))
		if err != nil {
			return
		}
		defer close(served)
		defer c.Close()
		if _, err := c.Recv(req.Context()); err != nil { // HELLO
			return
		}
		if c.Send(req.Context(), &wamp.Welcome{Session: 1, Details: wamp.Dict{"roles": wamp.Dict{"dealer": wamp.Dict{}, "broker": wamp.Dict{}}}}) != nil {
			return
		}
		script(c)
	})}
	go srv.Serve(ln)
	conn, err := websocket.Dial(ctxT(t), "ws://"+ln.Addr().String()+"/ws", review16Opts(closeTimeout))
	if err != nil {
		srv.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn.Close()
		<-served
		srv.Close()
	})
	return conn
}

// notWAMP makes the client's transport fail: a text message that is not
// JSON. The client's Recv fails with a protocol violation, and its Close
// sends a close frame and waits for the answer, which comes only when the
// script returns.
func notWAMP(t *testing.T, c *websocket.Conn) {
	if err := c.WS().WriteMessage(context.Background(), ws.OpText, []byte("not WAMP")); err != nil {
		t.Error(err)
	}
}

// Close returns once the transport is closed, also when the session's
// reader was closing it already (the router sent what does not decode):
// Close returned at once, the WebSocket still open, while the reader's
// Close waited for the router's close frame.
func TestReview16CloseWaitsForTransport(t *testing.T) {
	release := make(chan struct{})
	conn := review16Peer(t, 500*time.Millisecond, func(c *websocket.Conn) {
		notWAMP(t, c)
		<-release // reads nothing: the client's close frame is not answered
	})
	s, err := client.Join(ctxT(t), conn, "realm1", client.JoinOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for s.Err() == nil { // the reader has begun to end the session
		select {
		case <-ctxT(t).Done():
			t.Fatal("the session did not fail")
		case <-time.After(time.Millisecond):
		}
	}
	s.Close()
	select {
	case <-conn.WS().Done():
	default:
		t.Error("Close returned while the transport was still open")
	}
	close(release)
	if err := s.Wait(ctxT(t)); err != nil {
		t.Fatal(err)
	}
}

// Requests waiting for answers when the transport fails (Call, Register,
// Subscribe, Publish with Acknowledge) fail as soon as the session knows,
// with ErrSessionClosed and the transport's error: they waited until the
// transport's Close returned, up to its CloseTimeout for a router that does
// not answer the close frame.
func TestReview16RequestsFailWhenTransportFails(t *testing.T) {
	release := make(chan struct{})
	requests := make(chan struct{})
	// A close timeout far beyond the time the requests take to fail.
	conn := review16Peer(t, 5*time.Second, func(c *websocket.Conn) {
		for range 4 {
			if _, err := c.Recv(context.Background()); err != nil {
				t.Error(err)
				return
			}
		}
		close(requests) // every request waits for its answer
		notWAMP(t, c)
		<-release
	})
	s, err := client.Join(ctxT(t), conn, "realm1", client.JoinOptions{})
	if err != nil {
		t.Fatal(err)
	}
	type failure struct {
		what   string
		err    error
		closed bool // the transport was closed when the request returned
	}
	failed := make(chan failure, 4)
	ret := func(what string, err error) {
		f := failure{what: what, err: err}
		select {
		case <-conn.WS().Done():
			f.closed = true
		default:
		}
		failed <- f
	}
	go func() {
		_, err := s.Call(ctxT(t), "com.example.proc", nil, nil, nil)
		ret("Call", err)
	}()
	go func() {
		_, err := s.Register(ctxT(t), "com.example.reg", func(context.Context, *client.Invocation) (*client.Result, error) { return nil, nil }, nil)
		ret("Register", err)
	}()
	go func() {
		_, err := s.Subscribe(ctxT(t), "com.example.topic", func(*wamp.Event) {}, nil)
		ret("Subscribe", err)
	}()
	go func() {
		ret("Publish", s.Publish(ctxT(t), "com.example.topic", nil, nil, &client.PublishOptions{Acknowledge: true}))
	}()
	<-requests
	for range 4 {
		f := <-failed
		if !errors.Is(f.err, client.ErrSessionClosed) || !errors.Is(f.err, wamp.ErrProtocolViolation) {
			t.Errorf("%s: %v, want ErrSessionClosed and the transport's error", f.what, f.err)
		}
		if f.closed {
			t.Errorf("%s returned only once the transport was closed", f.what)
		}
	}
	close(release) // the router answers the close frame
	if err := s.Wait(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	s.Close()
}
