package websocket_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/internal/wsconf"
	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// When this side's event loop drops a connection (here its IdleTimeout,
// keepalive off, with a client that stays connected and says nothing),
// the session's Recv does not blame the peer: it said "websocket: peer
// closed: EOF", though the peer had neither closed nor gone. The loop's
// cause does not reach a ws.Handler (OnClose has a code and a reason
// only), so Recv says the connection ended without a close handshake.
func TestReview18LoopDropNotPeerClosed(t *testing.T) {
	opts := websocket.Options{
		Serializers: []wamp.Serializer{json.Serializer{}},
		WS:          &ws.Options{PingInterval: -1},
	}
	ended := make(chan error, 1)
	h := websocket.LoopHandler(opts, func(c *websocket.Conn) {
		_, err := c.Recv(context.Background())
		ended <- err
	})
	addr, stop := wsconf.StartLoop(t, &wsloop.Server{Handler: h, Options: opts.WS,
		Config: eventloop.Config{Loops: 1, IdleTimeout: 100 * time.Millisecond}})
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("wsloop.Server: %v", err)
		}
		if err := h.Wait(ctxT(t)); err != nil {
			t.Errorf("Wait: %v", err)
		}
	})
	dial(t, "ws://"+addr.String()+"/ws", opts) // says nothing; closed at the end
	var err error
	select {
	case err = <-ended:
	case <-ctxT(t).Done():
		t.Fatal("the idle connection was not dropped")
	}
	if err == nil || strings.Contains(err.Error(), "peer closed") || !errors.Is(err, ws.ErrClosed) {
		t.Errorf("Recv after the loop dropped the connection: %v; want an error matching ws.ErrClosed that does not say the peer closed", err)
	}
}
