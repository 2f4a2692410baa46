package ws_test

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/ws"
)

// dataHandler's OnConnect gives each connection its request target as
// Accept.Data; OnOpen reports what the Conn's Data holds.
type dataHandler struct {
	ws.BaseHandler
	opened chan any
}

func (h *dataHandler) OnConnect(r *ws.ConnectRequest) (ws.Accept, error) {
	return ws.Accept{Data: "from OnConnect: " + r.Target}, nil
}

func (h *dataHandler) OnOpen(c *ws.Conn) { h.opened <- c.Data() }

// TestAcceptData: what OnConnect puts in Accept.Data is the Conn's Data in
// OnOpen (ws.Server; wsloop and wshttp build the Conn from the same
// Accept.Negotiated, and the WAMP transport's headers ride on it there).
func TestAcceptData(t *testing.T) {
	h := &dataHandler{opened: make(chan any, 1)}
	srv := &ws.Server{Handler: h}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := ws.Dial(ctx, "ws://"+ln.Addr().String()+"/room/7", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	select {
	case got := <-h.opened:
		if got != "from OnConnect: /room/7" {
			t.Fatalf("Data in OnOpen = %v", got)
		}
	case <-ctx.Done():
		t.Fatal("no OnOpen")
	}
	_ = c.Close(ws.StatusNormalClosure, "")
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	// Shutdown closed the listener: Serve returned.
	if err := <-served; !errors.Is(err, ws.ErrClosed) {
		t.Fatalf("Serve after Shutdown: %v, want ErrClosed", err)
	}
	if err := srv.Serve(ln); !errors.Is(err, ws.ErrClosed) {
		t.Fatalf("Serve after Shutdown: %v, want ErrClosed", err)
	}
}
