package main

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/examples/internal/exampletest"
	"github.com/autobahn-go/autobahn/internal/leakcheck"
	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// Against our router over WebSocket: the progressive results arrive in
// order before the final one, and the canceled call ends on both sides.
func TestWAMPRPC(t *testing.T) {
	r, err := router.New(router.Config{Realms: []router.RealmConfig{{Name: "realm1", AllowAnonymous: true}}})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		c, err := websocket.Accept(w, req, websocket.Options{Serializers: []wamp.Serializer{cbor.Serializer{}}})
		if err == nil {
			r.ServeTransport(context.WithoutCancel(req.Context()), c)
		}
	})}
	go srv.Serve(ln)
	defer func() {
		srv.Close()
		r.Close(context.Background())
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out := exampletest.NewOutput()
	if err := run(ctx, []string{"-url", "ws://" + ln.Addr().String() + "/ws"}, out); err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	want := "progress: 3\nprogress: 2\nprogress: 1\nresult: liftoff\ncall: context deadline exceeded\ncallee: interrupted\n"
	if got := out.String(); got != want {
		t.Errorf("output:\n%s\nwant:\n%s", got, want)
	}
}
