package router_test

import (
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
)

// A client cannot register a procedure in the wamp.* namespace, which the
// spec reserves for the router: with any match policy the REGISTER gets
// ERROR wamp.error.invalid_uri (as Crossbar answers), and a CALL there
// reaches no client, not even through a pattern registration outside the
// namespace that matches it (prefix "wamp", wildcard ".example.other"):
// a client would otherwise answer the wamp.* calls the router has no
// procedure for, posing as the router. A router procedure's own URI,
// exact, is still procedure_already_exists; URIs that only look alike are
// a client's.
func TestReview14bReservedRegister(t *testing.T) {
	r := newRouter(t, nil)
	s, caller := join(t, r), join(t, r)
	for _, c := range []struct {
		uri   wamp.URI
		match string
	}{
		{"wamp.example.proc", wamp.MatchExact},
		{"wamp.", wamp.MatchPrefix},
		{"wamp.session", wamp.MatchPrefix},
		{"wamp.session.count", wamp.MatchPrefix},
		{"wamp..kill", wamp.MatchWildcard},
	} {
		if _, err := s.Register(ctxT(t), c.uri, echo, &client.RegisterOptions{Match: c.match}); !isWampError(err, wamp.ErrInvalidURI) {
			t.Errorf("REGISTER %s (%s): %v, want ERROR %s", c.uri, c.match, err, wamp.ErrInvalidURI)
		}
	}
	if _, err := caller.Call(ctxT(t), "wamp.example.proc", nil, nil, nil); !isWampError(err, wamp.ErrNoSuchProcedure) {
		t.Errorf("CALL wamp.example.proc: %v, want ERROR %s", err, wamp.ErrNoSuchProcedure)
	}
	// Nor does a pattern registration outside the namespace that matches
	// URIs in it get their calls.
	register(t, s, "wamp", echo, &client.RegisterOptions{Match: wamp.MatchPrefix})
	register(t, s, ".example.other", echo, &client.RegisterOptions{Match: wamp.MatchWildcard})
	for _, uri := range []wamp.URI{"wamp.example.proc", "wamp.example.other"} {
		if _, err := caller.Call(ctxT(t), uri, nil, nil, nil); !isWampError(err, wamp.ErrNoSuchProcedure) {
			t.Errorf("CALL %s: %v, want ERROR %s", uri, err, wamp.ErrNoSuchProcedure)
		}
	}
	// wamp.registration.match says so too: it names the registration a
	// CALL would reach.
	if v := result0(t, metaCall(t, caller, "wamp.registration.match", wamp.List{"wamp.example.other"}, nil)); v != nil {
		t.Errorf("registration.match(wamp.example.other) = %v, want null", v)
	}
	if res, err := caller.Call(ctxT(t), "wampum.x", wamp.List{"y"}, nil, nil); err != nil || res.Args[0] != "y" {
		t.Errorf("CALL wampum.x (prefix wamp): %v %v", res, err)
	}
	if _, err := s.Register(ctxT(t), "wamp.session.count", echo, nil); !isWampError(err, wamp.ErrProcedureAlreadyExists) {
		t.Errorf("REGISTER wamp.session.count: %v, want ERROR %s", err, wamp.ErrProcedureAlreadyExists)
	}
	for _, uri := range []wamp.URI{"wampus.proc", "com.wamp.proc"} {
		register(t, s, uri, echo, nil)
		if res, err := caller.Call(ctxT(t), uri, wamp.List{"x"}, nil, nil); err != nil || res.Args[0] != "x" {
			t.Errorf("CALL %s: %v %v", uri, res, err)
		}
	}
}
