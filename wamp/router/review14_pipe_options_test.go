package router_test

import (
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
)

// expectViolation receives the next message, which must be ABORT
// wamp.error.protocol_violation.
func (c *raw) expectViolation(what string) {
	c.t.Helper()
	m := c.recv()
	if a, ok := m.(*wamp.Abort); !ok || a.Reason != wamp.ErrProtocolViolationURI {
		c.t.Fatalf("%s: got %T %v, want ABORT protocol_violation", what, m, m)
	}
}

// An in-process client's SUBSCRIBE and REGISTER with a match or invoke
// option the wire parser refuses are refused the same way (ABORT
// wamp.error.protocol_violation), instead of subscribing exact, or making
// a registration of an unknown invoke policy.
func TestReview14PipeRefusesBadOptions(t *testing.T) {
	tests := []struct {
		name string
		m    wamp.Message
	}{
		{"subscribe match unknown", &wamp.Subscribe{Request: 7, Options: wamp.Dict{"match": "regex"}, Topic: "com.t"}},
		{"subscribe match not a string", &wamp.Subscribe{Request: 7, Options: wamp.Dict{"match": int64(1)}, Topic: "com.t"}},
		{"subscribe match null", &wamp.Subscribe{Request: 7, Options: wamp.Dict{"match": nil}, Topic: "com.t"}},
		{"register match unknown", &wamp.Register{Request: 7, Options: wamp.Dict{"match": "Prefix"}, Procedure: "com.p"}},
		{"register invoke unknown", &wamp.Register{Request: 7, Options: wamp.Dict{"invoke": "bogus"}, Procedure: "com.p"}},
		{"register invoke not a string", &wamp.Register{Request: 7, Options: wamp.Dict{"invoke": true}, Procedure: "com.p"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// What the wire parser makes of the same message.
			if _, err := wamp.FromList(wamp.ToList(tt.m)); err == nil {
				t.Fatalf("the wire parser takes %v", wamp.ToList(tt.m))
			}
			r := newRouter(t, nil)
			c := rawConn(t, r)
			c.join()
			c.send(tt.m)
			c.expectViolation(tt.name)
		})
	}
}

// An in-process caller's CANCEL with a mode the wire parser refuses is a
// protocol violation too; it used to act as mode skip (the caller got
// ERROR wamp.error.canceled).
func TestReview14PipeRefusesBadCancelMode(t *testing.T) {
	for _, mode := range []any{"kil", "", int64(2)} {
		r := newRouter(t, nil)
		callee, _ := rawJoinAs(t, r, cancelingCallee)
		callee.register(1, "com.slow", nil)
		caller, _ := rawJoinAs(t, r, plainPeer)
		caller.send(&wamp.Call{Request: 5, Options: wamp.Dict{}, Procedure: "com.slow"})
		callee.expectInvocation()
		cancel := &wamp.Cancel{Request: 5, Options: wamp.Dict{"mode": mode}}
		if _, err := wamp.FromList(wamp.ToList(cancel)); err == nil {
			t.Fatalf("the wire parser takes %v", wamp.ToList(cancel))
		}
		caller.send(cancel)
		caller.expectViolation("CANCEL mode " + describeValue(mode))
	}
}

func describeValue(v any) string {
	if s, ok := v.(string); ok {
		return "\"" + s + "\""
	}
	return "non-string"
}

// An in-process publisher's exclude list of another type than the wire
// parser makes ([]wamp.ID instead of a list of values) is a protocol
// violation; it used to be read as no list, and the excluded session got
// the event.
func TestReview14PipeRefusesBadPublishLists(t *testing.T) {
	tests := []struct {
		name string
		opts func(victim wamp.ID) wamp.Dict
	}{
		{"exclude typed", func(v wamp.ID) wamp.Dict { return wamp.Dict{"exclude": []wamp.ID{v}} }},
		{"exclude with a string", func(v wamp.ID) wamp.Dict { return wamp.Dict{"exclude": []any{uint64(v), "x"}} }},
		{"exclude_authid not a list", func(wamp.ID) wamp.Dict { return wamp.Dict{"exclude_authid": "x"} }},
		{"eligible_authrole with a number", func(wamp.ID) wamp.Dict { return wamp.Dict{"eligible_authrole": []any{"a", 1}} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRouter(t, nil)
			victim := join(t, r)
			_, ch := subscribe(t, victim, "com.t", nil)
			pub := rawConn(t, r)
			pub.join()
			m := &wamp.Publish{Request: 3, Options: tt.opts(victim.ID()), Topic: "com.t", Args: wamp.List{"leak"}}
			if _, err := wamp.FromList(wamp.ToList(m)); err == nil {
				t.Fatalf("the wire parser takes %v", wamp.ToList(m))
			}
			m.Options["acknowledge"] = true
			pub.send(m)
			pub.expectViolation(tt.name)
			// Nothing reached the victim: the marker is its next event.
			other := join(t, r)
			publish(t, other, "com.t", wamp.List{"marker"}, nil)
			if e := next(t, ch); e.Args[0] != "marker" {
				t.Fatalf("the subscriber got %v before the marker", e.Args)
			}
		})
	}
}
