package router_test

import (
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
)

// add_testament refuses publish_options whose exclude or eligible lists a
// PUBLISH could not carry (wamp.error.invalid_argument), instead of
// keeping a testament whose exclude list is then read as none: the
// excluded session got the testament.
func TestReview14TestamentRefusesBadPublishLists(t *testing.T) {
	r := newRouter(t, nil)
	victim := join(t, r)
	s := join(t, r)
	for _, opts := range []wamp.Dict{
		{"exclude": []wamp.ID{victim.ID()}},
		{"exclude": []any{uint64(victim.ID()), "x"}},
		{"exclude": uint64(victim.ID())},
		{"exclude_authid": []any{1}},
		{"eligible_authrole": "admin"},
	} {
		metaRefused(t, s, "wamp.session.add_testament", wamp.List{"com.will"}, wamp.Dict{"publish_options": opts}, wamp.ErrInvalidArgument)
	}
	// Well-formed lists are taken, and honoured when s leaves.
	metaCall(t, s, "wamp.session.add_testament", wamp.List{"com.will", wamp.List{"will"}},
		wamp.Dict{"publish_options": wamp.Dict{"exclude": []any{uint64(victim.ID())}}})
	_, ch := subscribe(t, victim, "com.will", nil)
	s.Close()
	waitFor(t, "s to leave", func() bool { return r.SessionCount(realm1) == 1 })
	publish(t, join(t, r), "com.will", wamp.List{"marker"}, nil)
	if e := next(t, ch); e.Args[0] != "marker" {
		t.Fatalf("the excluded session got %v", e.Args)
	}
}
