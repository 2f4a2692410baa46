package router

import (
	"context"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
)

// A realm configured without MaxSessions is bounded by DefaultMaxSessions
// (it had no bound): the HELLO past it gets ABORT ReasonRealmFull, logged
// and counted in Stats.Closed, and once a session leaves the next one
// joins. A negative MaxSessions is no bound (it was an error). The
// realm's sessions are filled with placeholders up to the bound: joining
// 100,000 sessions would take far longer than the test may.
func TestReview17DefaultMaxSessions(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for _, c := range []struct {
		name        string
		maxSessions int
		full        bool // a HELLO with DefaultMaxSessions joined is refused
	}{
		{"default", 0, true},
		{"negative", -1, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, err := New(Config{Realms: []RealmConfig{{Name: "realm1", AllowAnonymous: true, MaxSessions: c.maxSessions}}})
			if err != nil {
				t.Fatal(err)
			}
			var trs []wamp.Transport
			defer func() {
				for _, tr := range trs {
					tr.Close() // before Close: it waits for no GOODBYE
				}
				r.Close(ctx)
			}()
			rm := r.realms["realm1"]
			placeholder := &session{}
			rm.lock()
			for i := range DefaultMaxSessions {
				rm.sessions[wamp.MaxID-wamp.ID(i)] = placeholder
			}
			rm.unlock()
			hello := func() wamp.Message {
				tr := r.Connect()
				trs = append(trs, tr)
				if err := tr.Send(ctx, &wamp.Hello{Realm: "realm1", Details: wamp.Dict{"roles": wamp.Dict{"caller": wamp.Dict{}}}}); err != nil {
					t.Fatal(err)
				}
				m, err := tr.Recv(ctx)
				if err != nil {
					t.Fatal(err)
				}
				return m
			}
			m := hello()
			if !c.full {
				if _, ok := m.(*wamp.Welcome); !ok {
					t.Fatalf("HELLO past %d sessions with no bound: got %v, want WELCOME", DefaultMaxSessions, m)
				}
				return
			}
			if a, ok := m.(*wamp.Abort); !ok || a.Reason != ReasonRealmFull {
				t.Fatalf("HELLO past the default of %d sessions: got %v, want ABORT %s", DefaultMaxSessions, m, ReasonRealmFull)
			}
			for r.Stats().Closed[ReasonRealmFull] != 1 {
				if ctx.Err() != nil {
					t.Fatalf("Stats.Closed = %v, want %s counted once", r.Stats().Closed, ReasonRealmFull)
				}
				time.Sleep(time.Millisecond)
			}
			rm.lock()
			delete(rm.sessions, wamp.MaxID) // one leaves
			rm.unlock()
			if m := hello(); m.Type() != wamp.TypeWelcome {
				t.Fatalf("HELLO once one left: got %v, want WELCOME", m)
			}
			rm.lock()
			for i := range DefaultMaxSessions {
				delete(rm.sessions, wamp.MaxID-wamp.ID(i))
			}
			rm.unlock()
		})
	}
}
