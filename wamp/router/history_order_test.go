package router_test

import (
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// get_events' order. The spec's form: order of occurrence, limit taking
// the first events in that order, reverse traversing newest first.
// Crossbar's positional limit: the last limit events, newest first, as
// Crossbar answers it; an explicit reverse still decides.
func TestEventHistoryOrder(t *testing.T) {
	r := newRouter(t, func(c *router.Config) {
		c.Realms[0].EventHistory = []router.EventHistoryConfig{{URI: "com.hist.order", Limit: 10}}
	})
	pub, s := join(t, r), join(t, r)
	for i := 1; i <= 6; i++ {
		publish(t, pub, "com.hist.order", wamp.List{i}, nil)
	}
	sub, _ := subscribe(t, s, "com.hist.order", nil)
	positional := func(limit int, kwargs wamp.Dict) []any {
		t.Helper()
		res, err := s.Call(ctxT(t), "wamp.subscription.get_events", wamp.List{uint64(sub.ID), limit}, kwargs, nil)
		if err != nil {
			t.Fatal(err)
		}
		var firsts []any
		for _, ev := range res.Args[0].(wamp.List) {
			firsts = append(firsts, ev.(wamp.Dict)["args"].(wamp.List)[0])
		}
		return firsts
	}
	for _, tt := range []struct {
		name string
		got  []any
		want []any
	}{
		{"spec: all", first(getEvents(t, s, sub.ID, nil)), []any{1, 2, 3, 4, 5, 6}},
		{"spec: limit", first(getEvents(t, s, sub.ID, wamp.Dict{"limit": 2})), []any{1, 2}},
		{"spec: limit, reverse", first(getEvents(t, s, sub.ID, wamp.Dict{"limit": 2, "reverse": true})), []any{6, 5}},
		{"Crossbar: limit", positional(2, nil), []any{6, 5}},
		{"Crossbar: limit, reverse false", positional(2, wamp.Dict{"reverse": false}), []any{1, 2}},
	} {
		if !eqList(tt.got, tt.want...) {
			t.Errorf("%s: %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}

func first(firsts []any, _ []wamp.Dict) []any { return firsts }
