package client_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/internal/wsconf"
	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// review15bRouter serves a router over WebSocket, on goroutines
// (websocket.Accept) or on the event loop (LoopHandler), and returns its
// URL.
func review15bRouter(t *testing.T, r *router.Router, opts websocket.Options, loop bool) string {
	t.Helper()
	if loop {
		addr, _ := wsconf.StartLoop(t, &wsloop.Server{Handler: r.LoopHandler(opts), Options: opts.WS, Config: eventloop.Config{Loops: 1}})
		return "ws://" + addr.String() + "/ws"
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(rw http.ResponseWriter, req *http.Request) {
		c, err := websocket.Accept(rw, req, opts)
		if err == nil {
			r.ServeTransport(context.WithoutCancel(req.Context()), c)
		}
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "ws://" + ln.Addr().String() + "/ws"
}

// A session the router kills (its GOODBYE on the way) and that the user
// closes at once, without waiting for Done, ends with a clean WebSocket
// close (1000) as soon as the router answers. The session's reader stops
// at the router's GOODBYE, and nothing read the router's close frame:
// Close waited the whole CloseTimeout for it and the connection ended
// with 1006, every time on goroutines, now and then on the loop.
func TestReview15bCloseAfterRouterGoodbye(t *testing.T) {
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
			defer r.Close(context.Background())
			opts := websocket.Options{Serializers: []wamp.Serializer{json.Serializer{}}, WS: &ws.Options{CloseTimeout: time.Second}}
			url := review15bRouter(t, r, opts, loop)
			admin, err := client.Join(ctxT(t), r.Connect(), "realm1", client.JoinOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer admin.Close()
			for i := range 3 {
				conn, err := websocket.Dial(ctxT(t), url, opts)
				if err != nil {
					t.Fatal(err)
				}
				s, err := client.Join(ctxT(t), conn, "realm1", client.JoinOptions{})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := admin.Call(ctxT(t), "wamp.session.kill", wamp.List{s.ID()}, nil, nil); err != nil {
					t.Fatal(err)
				}
				s.Close()
				// The reader may be closing the transport too (it read
				// the GOODBYE): the connection ends with the WebSocket
				// handshake, or at CloseTimeout.
				select {
				case <-conn.WS().Done():
				case <-ctxT(t).Done():
					t.Fatal("the connection is still open")
				}
				_, _, err = conn.WS().ReadMessage(context.Background())
				var ce *ws.CloseError
				if !errors.As(err, &ce) || ce.Code != ws.StatusNormalClosure || !ce.WasClean {
					t.Errorf("round %d: the connection ended with %v, want a clean 1000", i, err)
				}
				if err := s.Wait(ctxT(t)); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// slowCloseTransport is a transport whose Close, after closing it, waits
// for release, as a WebSocket's Close waits for the peer's close frame.
type slowCloseTransport struct {
	*memTransport
	closing chan struct{} // closed when Close began
	release chan struct{}
}

// Send fails once Close began, as a WebSocket's does.
func (t *slowCloseTransport) Send(ctx context.Context, m wamp.Message) error {
	select {
	case <-t.closing:
		return errors.New("closed")
	default:
	}
	return t.memTransport.Send(ctx, m)
}

func (t *slowCloseTransport) Close() error {
	err := t.memTransport.Close()
	close(t.closing)
	<-t.release
	return err
}

// A Call or Publish made while Close closes the transport (a WebSocket
// Close waits for the router's answer, up to its CloseTimeout) fails with
// ErrSessionClosed, as on a session that has ended: it returned the
// transport's own error (websocket.ErrClosed).
func TestReview15bRequestDuringClose(t *testing.T) {
	a, b := memPair()
	fr := &fakeRouter{t: b}
	served := make(chan struct{})
	go func() { defer close(served); fr.serve() }()
	defer func() { a.Close(); <-served }()
	tr := &slowCloseTransport{memTransport: a, closing: make(chan struct{}), release: make(chan struct{})}
	s, err := client.Join(ctxT(t), tr, "realm1", client.JoinOptions{})
	if err != nil {
		t.Fatal(err)
	}
	closed := make(chan struct{})
	go func() { defer close(closed); s.Close() }()
	<-tr.closing
	if _, err := s.Call(ctxT(t), "com.example.echo", nil, nil, nil); !errors.Is(err, client.ErrSessionClosed) {
		t.Errorf("Call while the session closes: %v, want ErrSessionClosed", err)
	}
	if err := s.Publish(ctxT(t), "com.example.topic", nil, nil, nil); !errors.Is(err, client.ErrSessionClosed) {
		t.Errorf("Publish while the session closes: %v, want ErrSessionClosed", err)
	}
	close(tr.release)
	<-closed
	if err := s.Wait(ctxT(t)); err != nil {
		t.Fatal(err)
	}
}
