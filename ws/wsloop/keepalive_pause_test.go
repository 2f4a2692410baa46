package wsloop_test

import (
	"context"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/ws"
)

// pausing is an echo that pauses reading as each connection opens.
type pausing struct {
	*echo
	conns chan *ws.Conn
}

func (h *pausing) OnOpen(c *ws.Conn) {
	h.echo.OnOpen(c)
	c.PauseRead()
	h.conns <- c
}

// While reading is paused the keepalive neither pings nor times out: a
// pong would stay unread, and the peer is held back by us, not silent. It
// used to ping, leave the pong unread and drop a live peer (1006, "ping
// timeout") after PingInterval+PingTimeout of pause — any WAMP session
// whose consumer lagged for 45 s with the defaults. After ResumeRead the
// connection works, and the keepalive with it.
func TestKeepaliveWaitsWhilePaused(t *testing.T) {
	const interval = 50 * time.Millisecond
	h := &pausing{echo: newEcho(), conns: make(chan *ws.Conn, 1)}
	u, _ := serve(t, h, &ws.Options{PingInterval: interval, PingTimeout: interval}, eventloop.Config{})
	cl := dial(t, u, &ws.Options{PingInterval: -1})
	sc := <-h.conns
	// The client reads (answering any ping) while the server is paused.
	type read struct {
		p   []byte
		err error
	}
	reads := make(chan read, 1)
	go func() {
		_, p, err := cl.ReadMessage(context.Background())
		reads <- read{p, err}
	}()
	// Many times the keepalive's span: a ping sent now would time out.
	select {
	case <-h.ended:
		t.Fatalf("the paused connection ended: %s", h.ends)
	case r := <-reads:
		t.Fatalf("client read while the server was paused: %q %v", r.p, r.err)
	case <-time.After(20 * 2 * interval):
	}
	sc.ResumeRead()
	if err := cl.WriteMessage(context.Background(), ws.OpText, []byte("after")); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-reads:
		if r.err != nil || string(r.p) != "after" {
			t.Fatalf("echo: %q %v", r.p, r.err)
		}
	case <-h.ended:
		t.Fatalf("the connection ended: %s", h.ends)
	case <-time.After(10 * time.Second):
		t.Fatal("no echo after ResumeRead")
	}
}
