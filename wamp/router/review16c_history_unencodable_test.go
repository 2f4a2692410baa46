package router_test

import (
	"math"
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// wamp.subscription.get_events over a history holding events the
// caller's serializer cannot encode (a NaN, an infinity from a MessagePack
// or CBOR publisher, here an in-process one, for a JSON caller): the
// caller gets the others, in order, with ArgumentsKw "unencodable" saying
// how many were left out; they are logged at Warn and counted in
// Stats.Unencodable, and the caller keeps its session. Before, the whole
// call failed with wamp.error.invalid_argument: one such event in the
// history hid all the others from every JSON caller. An in-process
// caller, which takes Go values, gets them all.
func TestReview16cHistoryLeavesOutUnencodable(t *testing.T) {
	var logs logBuffer
	r := newRouter(t, func(c *router.Config) {
		c.Logger = logs.logger()
		c.Realms[0].EventHistory = []router.EventHistoryConfig{{URI: "nan.hist", Limit: 8}}
	})
	pub, _ := rawJoinAs(t, r, map[string][]string{"publisher": {}})
	var good []wamp.ID
	for i, v := range []any{math.NaN(), "one", math.Inf(1), "two"} {
		pub.send(&wamp.Publish{Request: wamp.ID(i + 1), Options: wamp.Dict{"acknowledge": true}, Topic: "nan.hist", Args: wamp.List{v}})
		p, ok := pub.recv().(*wamp.Published)
		if !ok {
			t.Fatalf("publisher got %v", p)
		}
		if _, ok := v.(string); ok {
			good = append(good, p.Publication)
		}
	}
	events := func(t *testing.T, c *raw, req wamp.ID) (wamp.List, wamp.Dict) {
		t.Helper()
		c.send(&wamp.Subscribe{Request: req, Options: wamp.Dict{}, Topic: "nan.hist"})
		sub, ok := c.recv().(*wamp.Subscribed)
		if !ok {
			t.Fatalf("got %v", sub)
		}
		c.send(&wamp.Call{Request: req + 1, Options: wamp.Dict{}, Procedure: "wamp.subscription.get_events", Args: wamp.List{uint64(sub.Subscription)}})
		res, ok := c.recv().(*wamp.Result)
		if !ok || len(res.Args) != 1 {
			t.Fatalf("got %v, want RESULT", res)
		}
		l, _ := res.Args[0].(wamp.List)
		return l, res.Kwargs
	}
	for name, dial := range smallDialers(t, r) {
		t.Run(name, func(t *testing.T) {
			before := r.Stats().Unencodable
			c := dial(t, map[string][]string{"caller": {}, "subscriber": {}})
			l, kw := events(t, c, 1)
			if len(l) != len(good) {
				t.Fatalf("got %d events (%v), want %d", len(l), l, len(good))
			}
			for i, e := range l {
				d, _ := e.(wamp.Dict)
				if id, _ := wamp.AsID(d["publication"]); id != good[i] {
					t.Fatalf("event %d: publication %v, want %d", i, d["publication"], good[i])
				}
			}
			if n, _ := wamp.AsInt64(kw["unencodable"]); n != 2 {
				t.Fatalf("ArgumentsKw %v, want unencodable 2", kw)
			}
			if got := r.Stats().Unencodable - before; got != 2 {
				t.Fatalf("Stats.Unencodable grew by %d, want 2", got)
			}
			c.quiet(3)
		})
	}
	if !strings.Contains(logs.String(), "level=WARN msg=\"wamp/router: events left out of get_events") {
		t.Error("the events left out were not logged at Warn")
	}
	inproc, _ := rawJoinAs(t, r, map[string][]string{"caller": {}, "subscriber": {}})
	if l, kw := events(t, inproc, 1); len(l) != 4 || kw["unencodable"] != nil {
		t.Fatalf("in-process caller got %d events (ArgumentsKw %v), want 4", len(l), kw)
	}
}
