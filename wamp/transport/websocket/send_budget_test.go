package websocket_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// Send on the event loop waits again when a concurrent Send took the room
// (ErrQueueFull), but an exhausted MemoryBudget, which matches
// ErrQueueFull too, is not room another message took: Send fails with it
// at once instead of spinning until ctx ends.
func TestLoopSendMemoryBudgetFails(t *testing.T) {
	url := rawServer(t, []string{"wamp.2.json"}, func(c *ws.Conn) {
		c.ReadMessage(context.Background())
	})
	wso := &ws.Options{PingInterval: -1, MemoryBudget: ws.NewMemoryBudget(4 << 10)}
	opts := websocket.Options{Serializers: all, WS: wso}
	cl := &wsloop.Client{Options: opts.WSOptions(), Config: eventloop.Config{Loops: 1}}
	t.Cleanup(func() { cl.Close() })
	ctx := ctxT(t)
	c, err := websocket.DialLoop(ctx, cl, url, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	m := &wamp.Publish{Request: 1, Options: wamp.Dict{}, Topic: "t", Args: wamp.List{strings.Repeat("x", 16<<10)}}
	if err := c.Send(ctx, m); !errors.Is(err, ws.ErrMemoryBudget) {
		t.Fatalf("Send: %v, want ws.ErrMemoryBudget", err)
	}
}
