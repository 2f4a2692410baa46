package wsloop_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/internal/wsconf"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// dialFreed dials url, where a slot is being freed: on the event loop a
// connection's slot is free before the loop reads the next handshake, but
// the goroutine backend (eventloop_goroutines) runs each connection's
// callbacks on its own goroutine, which may still be ending the closed
// connection (OnClose returns before its slot is given back). So a 503
// is retried until a deadline.
func dialFreed(t *testing.T, url string) *ws.Conn {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		c, err := ws.Dial(ctx, url, nil)
		cancel()
		if err == nil {
			t.Cleanup(func() { _ = c.Close(ws.StatusNormalClosure, "") })
			return c
		}
		var he *ws.HandshakeError
		if !errors.As(err, &he) || he.Status != 503 || time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// TestShutdownAfterCloses: connections that ended leave the Server's
// registry whatever their place in it (first, middle, last) and give
// their slot back; Shutdown then closes every connection still open, and
// only those, with 1001.
func TestShutdownAfterCloses(t *testing.T) {
	h := newEcho()
	// One loop: a connection's OnClose, which gives its slot back, is over
	// before the loop reads the next handshake.
	srv := &wsloop.Server{Handler: h, Options: &ws.Options{MaxConnections: 6}, Config: eventloop.Config{Loops: 1}}
	addr, stop := wsconf.StartLoop(t, srv)
	u := "ws://" + addr.String() + "/"
	var conns []*ws.Conn
	for range 6 {
		conns = append(conns, dial(t, u, nil))
	}
	for _, i := range []int{0, 2, 5} {
		if err := conns[i].Close(ws.StatusNormalClosure, "bye"); err != nil {
			t.Fatal(err)
		}
		if end := h.waitEnd(t); end != "true 1000 bye" {
			t.Fatalf("server OnClose of connection %d: %q", i, end)
		}
	}
	open := []*ws.Conn{conns[1], conns[3], conns[4]}
	for range 3 { // the slots of the closed ones are free again
		open = append(open, dialFreed(t, u))
	}
	got := make(chan error, len(open))
	for _, c := range open {
		go func() {
			_, _, err := c.ReadMessage(context.Background())
			got <- err
		}()
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	for range open {
		var ce *ws.CloseError
		if err := <-got; !errors.As(err, &ce) || ce.Code != ws.StatusGoingAway {
			t.Fatalf("client got %v", err)
		}
	}
	for range open {
		if end := h.waitEnd(t); !strings.HasPrefix(end, "true 1001") {
			t.Fatalf("server OnClose %q", end)
		}
	}
}
