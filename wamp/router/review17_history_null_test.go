package router_test

import (
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// get_events takes a null argument or option as one not given, as the
// other meta procedures do (remove_callee's reason, lookup's options) and
// as Crossbar's Python signature (limit=None) does: an Autobahn|Python
// caller's get_events(sub, limit=None) sends {"limit": null}. Each was
// refused with wamp.error.invalid_argument ("want an integer"). A null
// keyword next to a positional limit is not a limit given twice.
func TestReview17HistoryNullOptions(t *testing.T) {
	r := newRouter(t, func(c *router.Config) {
		c.Realms[0].EventHistory = []router.EventHistoryConfig{{URI: "com.hist.t", Limit: 4}}
	})
	s := join(t, r)
	for _, a := range []string{"a", "b", "c"} {
		publish(t, s, "com.hist.t", wamp.List{a}, nil)
	}
	sub, _ := subscribe(t, s, "com.hist.t", nil)
	nulls := wamp.Dict{"limit": nil, "reverse": nil, "topic": nil, "from_time": nil, "after_time": nil,
		"before_time": nil, "until_time": nil, "from_publication": nil, "after_publication": nil,
		"before_publication": nil, "until_publication": nil}
	for k := range nulls {
		if got, _ := getEvents(t, s, sub.ID, wamp.Dict{k: nil}); !eqList(got, "a", "b", "c") {
			t.Errorf("get_events(%s: null) = %v, want [a b c]", k, got)
		}
	}
	if got, _ := getEvents(t, s, sub.ID, nulls); !eqList(got, "a", "b", "c") {
		t.Errorf("get_events(every option null) = %v, want [a b c]", got)
	}
	call := func(args wamp.List, kwargs wamp.Dict) []any {
		t.Helper()
		res := metaCall(t, s, "wamp.subscription.get_events", args, kwargs)
		var firsts []any
		for _, ev := range res.Args[0].(wamp.List) {
			firsts = append(firsts, ev.(wamp.Dict)["args"].(wamp.List)[0])
		}
		return firsts
	}
	if got := call(wamp.List{uint64(sub.ID), nil}, nil); !eqList(got, "a", "b", "c") {
		t.Errorf("get_events(sub, null) = %v, want [a b c]", got)
	}
	if got := call(wamp.List{uint64(sub.ID), nil}, wamp.Dict{"limit": 2}); !eqList(got, "a", "b") {
		t.Errorf("get_events(sub, null; limit 2) = %v, want [a b]", got)
	}
	if got := call(wamp.List{uint64(sub.ID), 2}, wamp.Dict{"limit": nil}); !eqList(got, "c", "b") {
		t.Errorf("get_events(sub, 2; limit null) = %v, want Crossbar's form's [c b]", got)
	}
	metaRefused(t, s, "wamp.subscription.get_events", wamp.List{uint64(sub.ID)}, wamp.Dict{"limit": "2"}, wamp.ErrInvalidArgument)
	metaRefused(t, s, "wamp.subscription.get_events", wamp.List{uint64(sub.ID)}, wamp.Dict{"unknown": nil}, wamp.ErrInvalidArgument)
}
