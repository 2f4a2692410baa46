package router_test

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
)

// Issue 14's stall on the event loop under SlowDrop (TestLoopSlowConsumers
// covers SlowDisconnect and the calls): a subscriber stops reading while
// stallEvents ~1 KiB events, each acknowledged, are published. Every event
// is delivered, in publication order, or dropped and counted
// (SessionInfo.Dropped, Stats.EventsDropped, a log line); every PUBLISH
// gets PUBLISHED; the subscriber's output stays within the soft limit plus
// a message, and it is not closed.
func TestReview14cLoopStallSlowDrop(t *testing.T) {
	const (
		soft        = 64 << 10
		stallEvents = 20_000
	)
	var logs logBuffer
	r := newRouter(t, func(c *router.Config) {
		c.QueueSoftLimit = soft
		c.CloseTimeout = 200 * time.Millisecond
		c.Realms[0].SlowSubscriber = router.SlowDrop
		c.Logger = logs.logger()
	})
	url := serveLoop(t, r, eventloop.Config{Loops: 1, WriteHighWatermark: 1 << 20})

	slowSub := dialRaw(t, url, json.Serializer{}, 0) // a small buffer would leave TCP probing a zero window
	slowSubID := rawJoin(t, slowSub)
	if m := rawRequest(t, slowSub, &wamp.Subscribe{Request: 1, Options: wamp.Dict{}, Topic: "news"}); m.Type() != wamp.TypeSubscribed {
		t.Fatalf("subscribe: %v", m)
	}
	pub := join(t, r)
	var maxSub atomic.Int64
	sample := func() {
		if info, ok := r.Session(realm1, slowSubID); ok {
			maxSub.Store(max(maxSub.Load(), int64(info.Queued)))
		}
	}
	payload := strings.Repeat("e", 1000)
	for i := range stallEvents {
		publish(t, pub, "news", wamp.List{int64(i), payload}, nil) // PUBLISHED, or it fails
		if i%500 == 0 {
			sample()
		}
	}
	sample()
	info, ok := r.Session(realm1, slowSubID)
	if !ok {
		t.Fatal("the subscriber was closed under SlowDrop")
	}
	if info.Dropped == 0 {
		t.Fatal("no event dropped for a subscriber that reads nothing")
	}

	// The subscriber reads again: what it gets is in order, and with the
	// drops it is every event.
	got := make(chan int, 1)
	go func() {
		n, last := 0, int64(-1)
		defer func() { got <- n }()
		for {
			m, err := slowSub.Recv(ctxT(t))
			if err != nil {
				t.Errorf("slow subscriber: %v", err)
				return
			}
			e, ok := m.(*wamp.Event)
			if !ok {
				t.Errorf("slow subscriber got %v", m)
				return
			}
			k, _ := wamp.AsInt64(e.Args[0])
			if k <= last {
				t.Errorf("event %d after %d", k, last)
				return
			}
			last = k
			n++
			if k == stallEvents {
				return
			}
		}
	}()
	// Room for the last event under the soft limit.
	waitFor(t, "room in the subscriber's output", func() bool {
		info, _ := r.Session(realm1, slowSubID)
		return info.Queued < soft/2
	})
	info, _ = r.Session(realm1, slowSubID)
	t.Logf("queued before the last event: %d octets", info.Queued)
	publish(t, pub, "news", wamp.List{int64(stallEvents), "last"}, nil)
	received := <-got
	info, _ = r.Session(realm1, slowSubID)
	if uint64(received)+info.Dropped != stallEvents+1 {
		t.Errorf("received %d + dropped %d != %d published", received, info.Dropped, stallEvents+1)
	}
	if st := r.Stats(); st.EventsDropped != info.Dropped {
		t.Errorf("Stats().EventsDropped = %d, the session's Dropped %d", st.EventsDropped, info.Dropped)
	}
	if !strings.Contains(logs.String(), "dropping events") {
		t.Error("drops not logged")
	}

	t.Logf("received %d, dropped %d; output at most %d octets", received, info.Dropped, maxSub.Load())
	if q := maxSub.Load(); q > soft+2048 {
		t.Errorf("the subscriber's output grew to %d octets, soft limit %d", q, soft)
	}
}
