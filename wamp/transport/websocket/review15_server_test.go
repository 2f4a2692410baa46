package websocket_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsmetrics"
)

// With Options.Server, Accept takes its connections as the ws.Server's:
// under its MaxConnections (503 beyond), counted in its Metrics, closed
// with 1001 by its Shutdown, which waits for them; Close frees the slot.
func TestReview15AcceptServer(t *testing.T) {
	metrics := new(wsmetrics.Set)
	srv := &ws.Server{Handler: ws.BaseHandler{}, Options: &ws.Options{MaxConnections: 1}, Metrics: metrics}
	opts := websocket.Options{Serializers: []wamp.Serializer{json.Serializer{}}, WS: srv.Options, Server: srv}
	conns := make(chan *websocket.Conn, 2)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, err := websocket.Accept(w, r, opts); err == nil {
			conns <- c
		}
	}))
	defer hs.Close()
	url := "ws" + strings.TrimPrefix(hs.URL, "http")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	copts := websocket.Options{Serializers: []wamp.Serializer{json.Serializer{}}}

	dial := func() *websocket.Conn {
		t.Helper()
		c, err := websocket.Dial(ctx, url, copts)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	c1 := dial()
	defer c1.Close()
	s1 := <-conns
	var he *ws.HandshakeError
	if c, err := websocket.Dial(ctx, url, copts); !errors.As(err, &he) || he.Status != 503 {
		if c != nil {
			c.Close()
		}
		t.Fatalf("a second connection with MaxConnections 1: %v, want 503", err)
	}
	// The server's side closes: the slot is free for the next one.
	go func() { _, _ = c1.Recv(ctx) }() // answers the close
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}
	c2 := dial()
	defer c2.Close()
	s2 := <-conns
	defer s2.Close()
	snap := metrics.Snapshot()
	if snap.Opened != 2 || snap.Closed != 1 || snap.Rejected["503"] != 1 {
		t.Fatalf("metrics: opened %d, closed %d, 503s %d; want 2, 1, 1", snap.Opened, snap.Closed, snap.Rejected["503"])
	}

	// Shutdown closes c2 with 1001 and waits until its Conn is closed.
	recvd := make(chan error, 1)
	go func() { _, err := c2.Recv(ctx); recvd <- err }()
	shut := make(chan error, 1)
	go func() { shut <- srv.Shutdown(ctx) }()
	var ce *ws.CloseError
	if err := <-recvd; !errors.As(err, &ce) || ce.Code != ws.StatusGoingAway {
		t.Fatalf("client: %v, want close 1001", err)
	}
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned (%v) while the WAMP Conn was still open", err)
	default:
	}
	_, _ = s2.Recv(ctx) // the session notices the end, and closes
	if err := s2.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-shut; err != nil {
		t.Fatal(err)
	}
}
