package router_test

import (
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// add_testament refuses publish options in payload passthru mode from a
// session that did not announce it (wamp.error.invalid_argument): the
// testament was kept, and dropped without a trace when the session left,
// as the PUBLISH it became was a protocol violation. A session that
// announced the feature has its testament published with the options.
func TestReview15TestamentPassthruUnannounced(t *testing.T) {
	r := newRouter(t, nil)
	obs := join(t, r)
	_, ch := subscribe(t, obs, "com.example.will", nil)
	ppt := wamp.Dict{"publish_options": wamp.Dict{"ppt_scheme": "x_custom"}}

	s := join(t, r)
	metaRefused(t, s, "wamp.session.add_testament", wamp.List{"com.example.will", wamp.List{"plain"}}, ppt, wamp.ErrInvalidArgument)

	p := joinPPT(t, r) // passthru_test.go
	metaCall(t, p, "wamp.session.add_testament", wamp.List{"com.example.will", wamp.List{"ppt"}}, ppt)
	p.Close()
	e := next(t, ch)
	if len(e.Args) != 1 || e.Args[0] != "ppt" || e.Details["ppt_scheme"] != "x_custom" {
		t.Fatalf("testament EVENT %v %v, want [ppt] with ppt_scheme", e.Args, e.Details)
	}
}

// A testament is authorized again when it is published after a Reload:
// one whose publish permission the Reload took away is not published (it
// was), and one still allowed follows the new permission's disclosure.
func TestReview15TestamentAfterReload(t *testing.T) {
	config := func(roles ...router.RoleConfig) router.Config {
		return router.Config{Realms: []router.RealmConfig{{Name: realm1, AllowAnonymous: true, Roles: roles}}}
	}
	before := config(router.RoleConfig{Name: "anonymous", Permissions: []router.Permission{
		{URI: "", Match: wamp.MatchPrefix, Allow: router.Allow{Call: true, Subscribe: true, Publish: true}},
	}})
	after := config(router.RoleConfig{Name: "anonymous", Permissions: []router.Permission{
		{URI: "", Match: wamp.MatchPrefix, Allow: router.Allow{Call: true, Subscribe: true}},
		{URI: "com.example.kept", Allow: router.Allow{Publish: true}, Disclose: router.Disclose{Publisher: true}},
	}})
	r := newRouter(t, func(c *router.Config) { *c = before })
	obs := join(t, r)
	_, ch := subscribe(t, obs, "com.example.", &client.SubscribeOptions{Match: wamp.MatchPrefix})
	s := join(t, r)
	metaCall(t, s, "wamp.session.add_testament", wamp.List{"com.example.revoked", wamp.List{"revoked"}}, nil)
	metaCall(t, s, "wamp.session.add_testament", wamp.List{"com.example.kept", wamp.List{"kept"}}, nil)
	if err := r.Reload(after); err != nil {
		t.Fatal(err)
	}
	s.Close()
	// Both are published in the order added, in one step: the first
	// event tells.
	e := next(t, ch)
	if len(e.Args) != 1 || e.Args[0] != "kept" {
		t.Fatalf("first testament EVENT %v: the revoked one was published", e.Args)
	}
	if id, _ := wamp.AsID(e.Details["publisher"]); id != s.ID() {
		t.Fatalf("testament EVENT.Details %v: the new permission forces disclosure of %d", e.Details, s.ID())
	}
}

// wamp.registration.lookup and wamp.subscription.lookup refuse a match
// policy the router does not know (wamp.error.invalid_argument) instead of
// answering as for exact.
func TestReview15LookupUnknownMatch(t *testing.T) {
	r := newRouter(t, nil)
	s := join(t, r)
	reg := register(t, s, "com.example.p", echo, nil)
	sub, _ := subscribe(t, s, "com.example.t", nil)
	for _, c := range []struct {
		proc wamp.URI
		uri  string
		id   wamp.ID
	}{
		{"wamp.registration.lookup", "com.example.p", reg.ID},
		{"wamp.subscription.lookup", "com.example.t", sub.ID},
	} {
		for _, bad := range []any{"bogus", "", 1} {
			metaRefused(t, s, c.proc, wamp.List{c.uri, wamp.Dict{"match": bad}}, nil, wamp.ErrInvalidArgument)
		}
		if got := result0(t, metaCall(t, s, c.proc, wamp.List{c.uri, wamp.Dict{"match": "prefix"}}, nil)); got != nil {
			t.Fatalf("%s(%s, prefix) = %v, want null", c.proc, c.uri, got)
		}
		for _, opts := range []any{nil, wamp.Dict{}, wamp.Dict{"match": "exact"}} {
			args := wamp.List{c.uri}
			if opts != nil {
				args = append(args, opts)
			}
			if id, _ := wamp.AsID(result0(t, metaCall(t, s, c.proc, args, nil))); id != c.id {
				t.Fatalf("%s%v = %d, want %d", c.proc, args, id, c.id)
			}
		}
	}
}

// An event history of a meta topic keeps the router's meta events as it
// keeps a client's (it kept none: wamp.subscription.get_events answered
// [] while the subscribers got them).
func TestReview15HistoryKeepsMetaEvents(t *testing.T) {
	r := newRouter(t, func(c *router.Config) {
		c.Realms[0].EventHistory = []router.EventHistoryConfig{{URI: "wamp.session.", Match: wamp.MatchPrefix}}
	})
	s := join(t, r)
	sub, ch := subscribe(t, s, "wamp.session.", &client.SubscribeOptions{Match: wamp.MatchPrefix})
	other := join(t, r)
	id := other.ID()
	other.Close()
	for range 2 { // on_join, on_leave
		next(t, ch)
	}
	res := metaCall(t, s, "wamp.subscription.get_events", wamp.List{sub.ID}, nil)
	events, _ := result0(t, res).([]any)
	got := map[string]bool{}
	for _, v := range events {
		e, _ := v.(wamp.Dict)
		d, _ := e["details"].(wamp.Dict)
		args, _ := e["args"].([]any)
		if len(args) == 0 {
			t.Fatalf("history event %v without args", e)
		}
		about, _ := wamp.AsID(args[0])
		if det, ok := args[0].(wamp.Dict); ok {
			about, _ = wamp.AsID(det["session"])
		}
		if about == id {
			topic, _ := d["topic"].(string)
			got[topic] = true
		}
	}
	if !got["wamp.session.on_join"] || !got["wamp.session.on_leave"] || len(got) != 2 {
		t.Fatalf("history of wamp.session.* about session %d: %v (of %v), want on_join and on_leave", id, got, events)
	}
}

// The meta procedures take a URI argument given as a wamp.URI, as every
// serializer writes one, from an in-process client too (it answered
// invalid_argument or invalid_uri: "not a string").
func TestReview15MetaURIValues(t *testing.T) {
	r := newRouter(t, nil)
	s, callee, victim := join(t, r), join(t, r), join(t, r)
	reg := register(t, callee, "com.example.p", echo, nil)
	if id, _ := wamp.AsID(result0(t, metaCall(t, s, "wamp.registration.lookup", wamp.List{wamp.URI("com.example.p")}, nil))); id != reg.ID {
		t.Fatalf("lookup = %d, want %d", id, reg.ID)
	}
	metaCall(t, s, "wamp.session.add_testament", wamp.List{wamp.URI("com.example.will")}, nil)
	metaCall(t, s, "wamp.registration.remove_callee", wamp.List{reg.ID, callee.ID(), wamp.URI("com.example.revoked")}, nil)
	metaCall(t, s, "wamp.session.kill", wamp.List{victim.ID()}, wamp.Dict{"reason": wamp.URI("com.example.go_away")})
	if ge := goodbyeOf(t, victim); ge.Reason != "com.example.go_away" {
		t.Fatalf("GOODBYE %s", ge.Reason)
	}
}
