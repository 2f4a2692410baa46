package router_test

import (
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/internal/wsconf"
	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// closedTotal sums Stats.Closed.
func closedTotal(st router.Stats) uint64 {
	var n uint64
	for _, k := range st.Closed {
		n += k
	}
	return n
}

// A session on the event loop that the router ends because a message to
// it cannot be written (the transport refuses it: here a JSON text frame
// that is not UTF-8, which a serializer in the test produces for one
// event, since the JSON serializer refuses such strings itself; an EVENT
// over the connection's MaxMessagePayload is dropped and counted
// instead, payload_size.go) is counted in Stats.Closed, as the same
// session on goroutines is (under the empty key: the transport ended
// before a GOODBYE or ABORT). It was removed from the realm, logged, and
// counted nowhere.
func TestReview14cLoopWriteFailureCounted(t *testing.T) {
	var logs logBuffer
	r := newRouter(t, func(c *router.Config) { c.Logger = logs.logger() })
	wo := &ws.Options{MaxMessagePayload: 4 << 10}
	opts := websocket.Options{Serializers: []wamp.Serializer{poisonJSON{}}, WS: wo}
	addr, _ := wsconf.StartLoop(t, &wsloop.Server{Handler: r.LoopHandler(opts), Options: wo, Config: eventloop.Config{Loops: 1}})
	url := "ws://" + addr.String() + "/ws"

	sub := joinWebSocket(t, url, json.Serializer{})
	_, events := subscribe(t, sub, "big", nil)
	pub := join(t, r)
	publish(t, pub, "big", wamp.List{"small"}, nil)
	next(t, events)
	before := closedTotal(r.Stats())

	publish(t, pub, "big", wamp.List{"poison"}, nil)
	waitFor(t, "the subscriber removed", func() bool {
		_, ok := r.Session(realm1, sub.ID())
		return !ok
	})
	<-sub.Done()
	waitFor(t, "its end counted", func() bool { return closedTotal(r.Stats()) == before+1 })
	if st := r.Stats(); st.Closed[""] == 0 {
		t.Fatalf("Closed = %v: the write failure is not counted as a transport end", st.Closed)
	}
	if !strings.Contains(logs.String(), "write failed") {
		t.Fatalf("no log line: %s", logs.String())
	}
}

// poisonJSON is the JSON serializer, except that it ends an EVENT whose
// only argument is "poison" with a byte that is not UTF-8: a text frame
// the WebSocket transport refuses to write.
type poisonJSON struct{ json.Serializer }

func (p poisonJSON) AppendMessage(dst []byte, m wamp.Message) ([]byte, error) {
	out, err := p.Serializer.AppendMessage(dst, m)
	if ev, ok := m.(*wamp.Event); ok && err == nil && len(ev.Args) == 1 && ev.Args[0] == "poison" {
		out = append(out, 0xff)
	}
	return out, err
}
