package router_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
	"github.com/autobahn-go/autobahn/ws"
)

// Router.Close honours its ctx with goroutine WebSocket sessions whose
// peers never answer the close: once ctx ends, the remaining connections
// are dropped, not closed one after another, each waiting its
// CloseTimeout for an answer (with the router's lock held). The peers
// here joined, then read nothing: neither the GOODBYE nor the close
// frame is ever answered.
func TestReview15CloseHonoursCtxWithSilentPeers(t *testing.T) {
	const long = time.Minute // both close timeouts: far past the test's bound
	r := newRouter(t, func(c *router.Config) { c.CloseTimeout = long })
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		c, err := websocket.Accept(w, req, websocket.Options{Serializers: serializers, WS: &ws.Options{CloseTimeout: long}})
		if err == nil {
			_ = r.Attach(c)
		}
	}))
	t.Cleanup(srv.Close)
	url := "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws"
	const peers = 3
	for range peers {
		c, err := ws.Dial(ctxT(t), url, &ws.Options{Subprotocols: []string{"wamp.2.json"}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.NetConn().Close() })
		if err := c.WriteMessage(ctxT(t), ws.OpText, []byte(`[1,"realm1",{"roles":{"caller":{}}}]`)); err != nil {
			t.Fatal(err)
		}
		if _, p, err := c.ReadMessage(ctxT(t)); err != nil || !strings.HasPrefix(string(p), "[2,") {
			t.Fatalf("WELCOME: %q, %v", p, err)
		}
	}
	waitFor(t, "the sessions to join", func() bool { return r.SessionCount(realm1) == peers })

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- r.Close(ctx) }()
	// Generous: a Close that waits for the peers takes a minute.
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Close: %v, want %v", err, context.DeadlineExceeded)
		}
	case <-time.After(2500 * time.Millisecond):
		t.Fatal("Close did not return after its ctx ended: it waits for peers that never answer the close")
	}
}
