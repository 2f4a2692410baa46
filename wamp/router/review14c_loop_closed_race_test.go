package router_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
)

// Loop sessions whose clients drop their connections while events are
// routed to them are each counted once in Stats.Closed: an EVENT pushed
// between the connection ending and OnClose used to mark the outbox
// closed, so the session's end was counted nowhere.
func TestReview14cLoopDroppedConnectionsCounted(t *testing.T) {
	r := newRouter(t, nil)
	url := serveLoop(t, r, eventloop.Config{Loops: 1})
	pub := join(t, r)
	before := closedTotal(r.Stats())
	const subs = 40
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		payload := strings.Repeat("p", 200)
		for {
			select {
			case <-stop:
				return
			default:
			}
			if err := pub.Publish(ctxT(t), "flood", wamp.List{payload}, nil, nil); err != nil {
				return
			}
		}
	}()
	for range subs {
		c := dialRaw(t, url, json.Serializer{}, 0)
		id := rawJoin(t, c)
		if m := rawRequest(t, c, &wamp.Subscribe{Request: 1, Options: wamp.Dict{}, Topic: "flood"}); m.Type() != wamp.TypeSubscribed {
			t.Fatalf("subscribe: %v", m)
		}
		_ = c.WS().CloseNow()
		waitFor(t, "the session removed", func() bool {
			_, ok := r.Session(realm1, id)
			return !ok
		})
	}
	close(stop)
	wg.Wait()
	if got := closedTotal(r.Stats()) - before; got != subs {
		t.Fatalf("%d ends counted for %d sessions: %v", got, subs, r.Stats().Closed)
	}
}
