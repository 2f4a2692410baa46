package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/examples/internal/exampletest"
	"github.com/autobahn-go/autobahn/internal/leakcheck"
	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// The component does its four actions against our router, served over
// WebSocket at /ws as `autobahn serve` does, and stops when its ctx ends.
func TestWAMPComponent(t *testing.T) {
	r, err := router.New(router.Config{Realms: []router.RealmConfig{{Name: "realm1", AllowAnonymous: true}}})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		c, err := websocket.Accept(w, req, websocket.Options{Serializers: []wamp.Serializer{json.Serializer{}, cbor.Serializer{}}})
		if err == nil {
			r.ServeTransport(context.WithoutCancel(req.Context()), c)
		}
	})}
	go srv.Serve(ln)
	defer func() {
		srv.Close()
		r.Close(context.Background())
	}()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := exampletest.NewOutput()
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"-url", "ws://" + ln.Addr().String() + "/ws"}, out) }()
	if got := out.WaitLine(t, "call result:"); got != "call result: 5" {
		t.Errorf("%q, want %q", got, "call result: 5")
	}
	if got := out.WaitLine(t, "event received:"); got != "event received: 1" {
		t.Errorf("%q, want %q", got, "event received: 1")
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("run: %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after ctx ended")
	}
}
