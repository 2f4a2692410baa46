package router_test

import (
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
)

// A subscriber on the event loop closed for not reading, when the loop's
// own output bound (smaller than the router's limits) refused its EVENT:
// once it reads again (within CloseTimeout) it gets every EVENT the
// connection held, then GOODBYE ReasonQueueOverflow, as the package doc
// promises (its connection was closed without the GOODBYE: the GOODBYE
// found the output as full as the EVENT had).
func TestReview15LoopOverflowGoodbye(t *testing.T) {
	r := newRouter(t, func(c *router.Config) {
		c.QueueSoftLimit = 1 << 20
		c.CloseTimeout = 10 * time.Second
	})
	url := serveLoop(t, r, eventloop.Config{Loops: 1, WriteHighWatermark: 16 << 10, ReadBufferSize: 4096})
	slow := dialRaw(t, url, json.Serializer{}, 0)
	slowID := rawJoin(t, slow)
	if m := rawRequest(t, slow, &wamp.Subscribe{Request: 1, Options: wamp.Dict{}, Topic: "news"}); m.Type() != wamp.TypeSubscribed {
		t.Fatalf("subscribe: %v", m)
	}
	pub := join(t, r)
	// Big EVENTs until the connection holds more than the loop's high
	// watermark (the kernel's buffers are full), then EVENTs smaller
	// than a GOODBYE until one is refused: the output is then too full
	// for the GOODBYE as well.
	big := wamp.List{strings.Repeat("n", 8000)}
	for n := 0; ; n++ {
		info, ok := r.Session(realm1, slowID)
		if !ok {
			break
		}
		if n > 20000 {
			t.Fatal("the slow subscriber was never closed")
		}
		var args wamp.List
		if info.Queued < 24<<10 {
			args = big
		}
		publish(t, pub, "news", args, nil)
	}
	var last wamp.Message
	for {
		m, err := slow.Recv(ctxT(t))
		if err != nil {
			break
		}
		last = m
		if _, ok := m.(*wamp.Goodbye); ok {
			_ = slow.Send(ctxT(t), &wamp.Goodbye{Details: wamp.Dict{}, Reason: wamp.ErrGoodbyeAndOut})
		}
	}
	if g, ok := last.(*wamp.Goodbye); !ok || g.Reason != router.ReasonQueueOverflow {
		t.Fatalf("the last message was %T %v, want GOODBYE %s", last, last, router.ReasonQueueOverflow)
	}
}
