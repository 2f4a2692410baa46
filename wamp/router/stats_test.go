package router_test

import (
	"fmt"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// Router.Stats counts joins, the reason of every session's end (a join
// refused, a GOODBYE answered, a transport that ended first, kills with
// reasons of their own, bounded to MaxStatsReasons keys) and requests
// refused at a limit.
func TestStats(t *testing.T) {
	r := newRouter(t, func(c *router.Config) {
		c.Realms[0].MaxSubscriptions = 1
		c.Realms = append(c.Realms, router.RealmConfig{Name: "small", AllowAnonymous: true, MaxSessions: 1})
	})
	if st := r.Stats(); st.Joined != 0 || len(st.Closed) != 0 || st.RefusedSubscriptions != 0 {
		t.Fatalf("a new router's stats: %+v", st)
	}
	a, err := client.Join(ctxT(t), r.Connect(), "small", client.JoinOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = client.Join(ctxT(t), r.Connect(), "small", client.JoinOptions{})
	wantAbort(t, err, router.ReasonRealmFull)
	if err := a.Leave(ctxT(t), ""); err != nil {
		t.Fatal(err)
	}
	if err := r.Connect().Close(); err != nil { // ends before its HELLO
		t.Fatal(err)
	}

	admin := join(t, r)
	subscribe(t, admin, "com.example.one", nil)
	if _, err := admin.Subscribe(ctxT(t), "com.example.two", func(*wamp.Event) {}, nil); err == nil {
		t.Fatal("a second subscription was accepted with MaxSubscriptions 1")
	}
	const kills = 40
	for i := range kills {
		v := join(t, r)
		metaCall(t, admin, "wamp.session.kill", wamp.List{v.ID()}, wamp.Dict{"reason": fmt.Sprintf("com.example.reason%d", i)})
		goodbyeOf(t, v)
	}

	const closed = 3 + kills // the refused join, the GOODBYE, the transport, the kills
	var st router.Stats
	waitFor(t, "every end counted", func() bool {
		st = r.Stats()
		var n uint64
		for _, k := range st.Closed {
			n += k
		}
		return n == closed
	})
	if st.Joined != 2+kills {
		t.Errorf("Joined = %d, want %d", st.Joined, 2+kills)
	}
	for reason, want := range map[wamp.URI]uint64{
		router.ReasonRealmFull: 1, wamp.ErrGoodbyeAndOut: 1, "": 1, "com.example.reason0": 1,
		router.StatsOtherReason: kills - (router.MaxStatsReasons - 1 - 3),
	} {
		if st.Closed[reason] != want {
			t.Errorf("Closed[%q] = %d, want %d", reason, st.Closed[reason], want)
		}
	}
	if len(st.Closed) != router.MaxStatsReasons {
		t.Errorf("%d reasons kept, want the bound %d: %v", len(st.Closed), router.MaxStatsReasons, st.Closed)
	}
	if st.RefusedSubscriptions != 1 || st.RefusedCalls != 0 || st.RefusedRegistrations != 0 || st.EventsDropped != 0 {
		t.Errorf("refusals and drops: %+v", st)
	}
	st.Closed[""] = 1000 // a copy: the router's count does not change
	if r.Stats().Closed[""] != 1 {
		t.Error("Stats returned the router's own map")
	}
}
