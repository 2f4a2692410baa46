package router_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
)

// A meta procedure that refuses an argument says which value it refused,
// but no more than a few dozen octets of it: before, the whole value went
// into the ERROR's message (%v), so a caller could make the router build
// and send back an error as large as its CALL (a list of 100,000 numbers
// made a 200 KB message; a dict's keys were sorted to print it).
func TestReview17MetaErrorEchoBounded(t *testing.T) {
	r := newRouter(t, nil)
	s := join(t, r)
	huge := strings.Repeat("é", 50_000) // 100,000 octets
	many := make(wamp.List, 100_000)
	for i := range many {
		many[i] = i
	}
	wide := wamp.Dict{}
	for i := range 1000 {
		wide[strings.Repeat("k", i+1)] = i
	}
	reg, err := s.Register(ctxT(t), "com.example.p", func(context.Context, *client.Invocation) (*client.Result, error) {
		return &client.Result{}, nil
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		proc   wamp.URI
		args   wamp.List
		kwargs wamp.Dict
		shows  string // the start of the message's echo of the value
	}{
		{"wamp.session.get", wamp.List{huge}, nil, "éé"},
		{"wamp.session.get", wamp.List{many}, nil, "[0 1 2 3"},
		{"wamp.session.get", wamp.List{wide}, nil, "map[1000 entries]"},
		{"wamp.registration.lookup", wamp.List{"com.example.p", many}, nil, "[0 1"},
		{"wamp.registration.lookup", wamp.List{"com.example.p", wamp.Dict{"match": huge}}, nil, "éé"},
		{"wamp.session.list", wamp.List{many}, nil, ""},
		{"wamp.session.kill_all", nil, wamp.Dict{"message": many}, "[0 1"},
		{"wamp.session.kill_all", nil, wamp.Dict{"reason": many}, "[0 1"},
		{"wamp.subscription.get_events", wamp.List{many}, nil, "[0 1"},
		{"wamp.subscription.get_events", wamp.List{1, huge}, nil, "éé"},
		{"wamp.subscription.get_events", wamp.List{1}, wamp.Dict{huge: 1}, "éé"},
		{"wamp.subscription.get_events", wamp.List{1}, wamp.Dict{"reverse": wide}, "map["},
		{"wamp.session.add_testament", wamp.List{"com.example.t", wamp.List{}, wamp.Dict{}}, wamp.Dict{"scope": many}, "[0 1"},
		{"wamp.session.add_testament", wamp.List{"com.example.t", many[0:1], wamp.Dict{}}, wamp.Dict{"publish_options": huge}, "éé"},
		{"wamp.registration.remove_callee", wamp.List{reg.ID, s.ID(), many}, nil, "[0 1"},
	} {
		_, err := s.Call(ctxT(t), c.proc, c.args, c.kwargs, nil)
		var we *client.Error
		if !errors.As(err, &we) {
			t.Fatalf("%s: %v, want an ERROR", c.proc, err)
		}
		msg, _ := we.Args[0].(string)
		if len(msg) > 256 || !utf8.ValidString(msg) || !strings.Contains(msg, c.shows) {
			t.Errorf("%s: ERROR %s with a message of %d octets (valid UTF-8: %v), want at most 256 showing %q: %.300s",
				c.proc, we.URI, len(msg), utf8.ValidString(msg), c.shows, msg)
		}
	}
}
