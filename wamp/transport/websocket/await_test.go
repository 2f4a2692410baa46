package websocket_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
	"github.com/autobahn-go/autobahn/ws"
)

// AwaitInput waits for the next input without reading a message: false
// for a bounded wait with nothing sent, true once a batched frame came,
// and true at once while messages of that frame are still queued (the
// socket has nothing more); after Close, true at once, and Recv reports
// the end.
func TestAwaitInput(t *testing.T) {
	s := json.Serializer{}
	msgs := []wamp.Message{&wamp.Published{Request: 1, Publication: 2}, &wamp.Unsubscribed{Request: 3}}
	send := make(chan struct{})
	url := rawServer(t, []string{websocket.Subprotocol(s, true)}, func(c *ws.Conn) {
		<-send
		var frame []byte
		for _, m := range msgs {
			frame, _ = wamp.AppendBatched(frame, s, m)
		}
		c.WriteMessage(context.Background(), ws.OpText, frame)
		c.ReadMessage(context.Background()) // until the client closes
	})
	c := dial(t, url, websocket.Options{Serializers: []wamp.Serializer{s}, Batched: true})
	ctx := ctxT(t)
	if c.AwaitInput(5 * time.Millisecond) {
		t.Fatal("AwaitInput reported input nobody sent")
	}
	close(send)
	if !c.AwaitInput(0) {
		t.Fatal("AwaitInput(0) reported no input")
	}
	received(t, ctx, c, msgs[0])
	if !c.AwaitInput(time.Hour) {
		t.Fatal("AwaitInput waited with a message of the batch queued")
	}
	received(t, ctx, c, msgs[1])
	c.Close()
	if !c.AwaitInput(time.Hour) {
		t.Fatal("AwaitInput waited after Close")
	}
	if _, err := c.Recv(ctx); err != websocket.ErrClosed {
		t.Fatalf("Recv after Close: %v", err)
	}
}

// AwaitInputFunc runs its f once input comes (on Linux; elsewhere it
// refuses, and AwaitInput is the way), refuses while messages of a batched
// frame are queued, and wakes for Close: Recv then reports the end.
func TestAwaitInputFunc(t *testing.T) {
	s := json.Serializer{}
	msgs := []wamp.Message{&wamp.Published{Request: 1, Publication: 2}, &wamp.Unsubscribed{Request: 3}}
	send := make(chan struct{})
	url := rawServer(t, []string{websocket.Subprotocol(s, true)}, func(c *ws.Conn) {
		<-send
		var frame []byte
		for _, m := range msgs {
			frame, _ = wamp.AppendBatched(frame, s, m)
		}
		c.WriteMessage(context.Background(), ws.OpText, frame)
		c.ReadMessage(context.Background()) // until the client closes
	})
	c := dial(t, url, websocket.Options{Serializers: []wamp.Serializer{s}, Batched: true})
	ctx := ctxT(t)
	woke := make(chan struct{}, 1)
	f := func() { woke <- struct{}{} }
	if !c.AwaitInputFunc(f) {
		if runtime.GOOS == "linux" {
			t.Fatal("AwaitInputFunc refused on Linux")
		}
		t.Skip("AwaitInputFunc waits without a goroutine on Linux only")
	}
	close(send)
	<-woke
	received(t, ctx, c, msgs[0])
	if c.AwaitInputFunc(f) {
		t.Fatal("AwaitInputFunc waits with a message of the batch queued")
	}
	received(t, ctx, c, msgs[1])
	if !c.AwaitInputFunc(f) {
		t.Fatal("AwaitInputFunc refused")
	}
	c.Close()
	<-woke
	if _, err := c.Recv(ctx); err != websocket.ErrClosed {
		t.Fatalf("Recv after Close: %v", err)
	}
	if c.AwaitInputFunc(f) {
		t.Fatal("AwaitInputFunc waits after Close")
	}
}
