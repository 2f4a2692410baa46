package websocket_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/internal/wsconf"
	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// closeCode reads from c until the connection ends and returns the close
// code the peer sent.
func closeCode(t *testing.T, c *websocket.Conn) ws.StatusCode {
	t.Helper()
	for {
		_, err := c.Recv(ctxT(t))
		if err == nil {
			continue
		}
		var ce *ws.CloseError
		if !errors.As(err, &ce) {
			t.Fatalf("the connection ended with %v, want a close frame", err)
		}
		return ce.Code
	}
}

// A Conn that sent GOODBYE or ABORT wamp.close.system_shutdown (a router
// shutting down) closes with 1001, going away (RFC 6455 §7.4.1), on
// goroutines and on the event loop; after any other it closes with 1000.
// It closed with 1000 after all of them.
func TestReview16SystemShutdownGoingAway(t *testing.T) {
	opts := websocket.Options{Serializers: []wamp.Serializer{json.Serializer{}}}
	servers := []struct {
		name  string
		start func(t *testing.T, opts websocket.Options, serve func(*websocket.Conn)) string
	}{
		{"goroutines", func(t *testing.T, opts websocket.Options, serve func(*websocket.Conn)) string {
			return startServer(t, false, opts, serve).url()
		}},
		{"loop", startLoopServer},
	}
	finals := []struct {
		name  string
		final wamp.Message
		want  ws.StatusCode
	}{
		{"goodbye system_shutdown", &wamp.Goodbye{Details: wamp.Dict{}, Reason: wamp.ErrSystemShutdown}, ws.StatusGoingAway},
		{"abort system_shutdown", &wamp.Abort{Details: wamp.Dict{}, Reason: wamp.ErrSystemShutdown}, ws.StatusGoingAway},
		{"encoded goodbye system_shutdown", encodedJSON(t, &wamp.Goodbye{Details: wamp.Dict{}, Reason: wamp.ErrSystemShutdown}), ws.StatusGoingAway},
		{"goodbye close_realm", &wamp.Goodbye{Details: wamp.Dict{}, Reason: wamp.ErrCloseRealm}, ws.StatusNormalClosure},
		{"abort protocol_violation", &wamp.Abort{Details: wamp.Dict{}, Reason: wamp.ErrProtocolViolationURI}, ws.StatusNormalClosure},
	}
	for _, srv := range servers {
		for _, f := range finals {
			t.Run(srv.name+"/"+f.name, func(t *testing.T) {
				url := srv.start(t, opts, func(c *websocket.Conn) {
					if err := c.Send(context.Background(), f.final); err != nil {
						t.Error(err)
					}
					c.Close()
				})
				c := dial(t, url, opts)
				if code := closeCode(t, c); code != f.want {
					t.Errorf("closed with %v, want %v", code, f.want)
				}
			})
		}
	}
}

func encodedJSON(t *testing.T, m wamp.Message) *wamp.Encoded {
	b, err := json.Serializer{}.AppendMessage(nil, m)
	if err != nil {
		t.Fatal(err)
	}
	return &wamp.Encoded{Message: m, Serializer: json.Serializer{}, Bytes: b}
}

// Router.Close ends a WebSocket session with GOODBYE
// wamp.close.system_shutdown and, once the client answered, closes the
// connection with 1001, going away, on goroutines and on the event loop:
// a client that answers and waits for the router to close got 1000.
func TestReview16RouterCloseGoingAway(t *testing.T) {
	opts := websocket.Options{Serializers: []wamp.Serializer{json.Serializer{}}}
	for _, loop := range []bool{false, true} {
		name := "goroutines"
		if loop {
			name = "loop"
		}
		t.Run(name, func(t *testing.T) {
			r, err := router.New(router.Config{Realms: []router.RealmConfig{{Name: "realm1", AllowAnonymous: true}}})
			if err != nil {
				t.Fatal(err)
			}
			closed := false
			defer func() {
				if !closed {
					r.Close(context.Background())
				}
			}()
			var url string
			if loop {
				addr, _ := wsconf.StartLoop(t, &wsloop.Server{Handler: r.LoopHandler(opts), Options: opts.WS, Config: eventloop.Config{Loops: 1}})
				url = "ws://" + addr.String() + "/ws"
			} else {
				ln, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
				srv := &http.Server{Handler: http.HandlerFunc(func(rw http.ResponseWriter, req *http.Request) {
					if c, err := websocket.Accept(rw, req, opts); err == nil {
						r.ServeTransport(context.WithoutCancel(req.Context()), c)
					}
				})}
				go srv.Serve(ln)
				t.Cleanup(func() { srv.Close() })
				url = "ws://" + ln.Addr().String() + "/ws"
			}
			c := dial(t, url, opts)
			if err := c.Send(ctxT(t), &wamp.Hello{Realm: "realm1", Details: wamp.Dict{"roles": wamp.Dict{"subscriber": wamp.Dict{"features": wamp.Dict{}}}}}); err != nil {
				t.Fatal(err)
			}
			if m, err := c.Recv(ctxT(t)); err != nil || m.Type() != wamp.TypeWelcome {
				t.Fatalf("join: %v, %v", m, err)
			}
			done := make(chan error, 1)
			go func() { done <- r.Close(ctxT(t)) }()
			closed = true
			m, err := c.Recv(ctxT(t))
			if g, ok := m.(*wamp.Goodbye); err != nil || !ok || g.Reason != wamp.ErrSystemShutdown {
				t.Fatalf("got %v, %v; want GOODBYE wamp.close.system_shutdown", m, err)
			}
			if err := c.Send(ctxT(t), &wamp.Goodbye{Details: wamp.Dict{}, Reason: wamp.ErrGoodbyeAndOut}); err != nil {
				t.Fatal(err)
			}
			if code := closeCode(t, c); code != ws.StatusGoingAway {
				t.Errorf("closed with %v, want %v", code, ws.StatusGoingAway)
			}
			if err := <-done; err != nil {
				t.Errorf("Router.Close: %v", err)
			}
		})
	}
}
