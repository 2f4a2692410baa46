package router_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// metaCall calls a meta procedure and returns its RESULT.
func metaCall(t *testing.T, s *client.Session, proc wamp.URI, args wamp.List, kwargs wamp.Dict) *wamp.Result {
	t.Helper()
	res, err := s.Call(ctxT(t), proc, args, kwargs, nil)
	if err != nil {
		t.Fatalf("%s%v: %v", proc, args, err)
	}
	return res
}

// metaRefused calls a meta procedure that must fail with ERROR uri.
func metaRefused(t *testing.T, s *client.Session, proc wamp.URI, args wamp.List, kwargs wamp.Dict, uri wamp.URI) {
	t.Helper()
	_, err := s.Call(ctxT(t), proc, args, kwargs, nil)
	if !isWampError(err, uri) {
		t.Fatalf("%s%v%v: err = %v, want %s", proc, args, kwargs, err, uri)
	}
}

// result0 returns the first positional result.
func result0(t *testing.T, res *wamp.Result) any {
	t.Helper()
	if len(res.Args) != 1 {
		t.Fatalf("RESULT.Args = %v, want one", res.Args)
	}
	return res.Args[0]
}

// idList returns v as a list of IDs; it must be a list, never null.
func idList(t *testing.T, v any) []wamp.ID {
	t.Helper()
	l, ok := v.([]any)
	if !ok || l == nil {
		t.Fatalf("%#v is not a (non-null) list", v)
	}
	out := []wamp.ID{}
	for _, e := range l {
		id, ok := wamp.AsID(e)
		if !ok {
			t.Fatalf("list %v: %#v is not an ID", l, e)
		}
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

func asInt(t *testing.T, v any) int {
	t.Helper()
	id, ok := wamp.AsID(v)
	if !ok {
		t.Fatalf("%#v is not a count", v)
	}
	return int(id)
}

func sortedIDs(ids ...wamp.ID) []wamp.ID {
	slices.Sort(ids)
	return ids
}

// ticketRouter has realm1 with anonymous sessions and ticket users alice
// and bob (role "user") and carol (role "admin").
func ticketRouter(t *testing.T) *router.Router {
	return newRouter(t, func(c *router.Config) {
		c.Realms[0].Tickets = map[string]router.TicketPrincipal{
			"alice": {Ticket: "a", Role: "user"}, "bob": {Ticket: "b", Role: "user"}, "carol": {Ticket: "c", Role: "admin"},
		}
	})
}

func joinTicket(t *testing.T, r *router.Router, authid, ticket string) *client.Session {
	t.Helper()
	s, err := joinWith(t, r, realm1, authid, &client.Ticket{Ticket: ticket})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestMetaSessionCountListGet(t *testing.T) {
	r := ticketRouter(t)
	anon := join(t, r)
	alice, bob, carol := joinTicket(t, r, "alice", "a"), joinTicket(t, r, "bob", "b"), joinTicket(t, r, "carol", "c")
	all := sortedIDs(anon.ID(), alice.ID(), bob.ID(), carol.ID())

	if n := asInt(t, result0(t, metaCall(t, anon, "wamp.session.count", nil, nil))); n != 4 {
		t.Fatalf("count = %d, want 4", n)
	}
	if got := idList(t, result0(t, metaCall(t, anon, "wamp.session.list", nil, nil))); !slices.Equal(got, all) {
		t.Fatalf("list = %v, want %v", got, all)
	}
	filters := []struct {
		roles []any
		want  []wamp.ID
	}{
		{[]any{"user"}, sortedIDs(alice.ID(), bob.ID())},
		{[]any{"admin", "anonymous"}, sortedIDs(carol.ID(), anon.ID())},
		{[]any{"nobody"}, []wamp.ID{}},
		{[]any{}, []wamp.ID{}},
	}
	for _, f := range filters {
		if n := asInt(t, result0(t, metaCall(t, alice, "wamp.session.count", wamp.List{f.roles}, nil))); n != len(f.want) {
			t.Errorf("count(%v) = %d, want %d", f.roles, n, len(f.want))
		}
		if got := idList(t, result0(t, metaCall(t, alice, "wamp.session.list", wamp.List{f.roles}, nil))); !slices.Equal(got, f.want) {
			t.Errorf("list(%v) = %v, want %v", f.roles, got, f.want)
		}
	}
	metaRefused(t, anon, "wamp.session.count", wamp.List{"user"}, nil, wamp.ErrInvalidArgument)

	d, ok := result0(t, metaCall(t, anon, "wamp.session.get", wamp.List{bob.ID()}, nil)).(wamp.Dict)
	if !ok {
		t.Fatal("get: no details dict")
	}
	if id, _ := wamp.AsID(d["session"]); id != bob.ID() || d["authid"] != "bob" || d["authrole"] != "user" ||
		d["authmethod"] != "ticket" || d["authprovider"] != "static" {
		t.Fatalf("get(bob) = %v", d)
	}
	if tr, _ := d["transport"].(wamp.Dict); tr["type"] != "memory" {
		t.Fatalf("get(bob).transport = %v", d["transport"])
	}
	metaRefused(t, anon, "wamp.session.get", wamp.List{wamp.MaxID}, nil, "wamp.error.no_such_session")
	metaRefused(t, anon, "wamp.session.get", nil, nil, wamp.ErrInvalidArgument)
	metaRefused(t, anon, "wamp.session.get", wamp.List{"x"}, nil, wamp.ErrInvalidArgument)

	// Gone sessions are gone from the list.
	if err := bob.Leave(ctxT(t), ""); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "bob gone", func() bool { return r.SessionCount(realm1) == 3 })
	if n := asInt(t, result0(t, metaCall(t, anon, "wamp.session.count", wamp.List{[]any{"user"}}, nil))); n != 1 {
		t.Fatalf("count(user) after bob left = %d, want 1", n)
	}
	metaRefused(t, anon, "wamp.session.get", wamp.List{bob.ID()}, nil, "wamp.error.no_such_session")
}

// goodbyeOf waits for s to end and returns the router's GOODBYE.
func goodbyeOf(t *testing.T, s *client.Session) *client.GoodbyeError {
	t.Helper()
	select {
	case <-s.Done():
	case <-ctxT(t).Done():
		t.Fatal("session not closed")
	}
	var ge *client.GoodbyeError
	if !errors.As(s.Err(), &ge) {
		t.Fatalf("session ended with %v, want a GOODBYE", s.Err())
	}
	return ge
}

func alive(t *testing.T, s *client.Session) {
	t.Helper()
	metaCall(t, s, "wamp.session.count", nil, nil)
}

func TestMetaSessionKill(t *testing.T) {
	r := ticketRouter(t)
	admin := join(t, r)
	victim := join(t, r)
	metaRefused(t, admin, "wamp.session.kill", wamp.List{admin.ID()}, nil, "wamp.error.no_such_session")
	metaRefused(t, admin, "wamp.session.kill", wamp.List{wamp.MaxID}, nil, "wamp.error.no_such_session")
	metaRefused(t, admin, "wamp.session.kill", wamp.List{victim.ID()}, wamp.Dict{"reason": "not a uri!"}, wamp.ErrInvalidURI)
	metaRefused(t, admin, "wamp.session.kill", wamp.List{victim.ID()}, wamp.Dict{"reason": ""}, wamp.ErrInvalidURI)
	res := metaCall(t, admin, "wamp.session.kill", wamp.List{victim.ID()}, wamp.Dict{"reason": "com.example.go_away", "message": "bye now"})
	if len(res.Args) != 0 {
		t.Fatalf("kill returned %v", res.Args)
	}
	ge := goodbyeOf(t, victim)
	if ge.Reason != "com.example.go_away" || ge.Details["message"] != "bye now" {
		t.Fatalf("GOODBYE %s %v", ge.Reason, ge.Details)
	}
	// The default reason, and no message.
	v2 := join(t, r)
	metaCall(t, admin, "wamp.session.kill", wamp.List{v2.ID()}, nil)
	if ge := goodbyeOf(t, v2); ge.Reason != wamp.ErrCloseNormal || ge.Details["message"] != nil {
		t.Fatalf("GOODBYE %s %v", ge.Reason, ge.Details)
	}
	alive(t, admin)
	waitFor(t, "killed sessions gone", func() bool { return r.SessionCount(realm1) == 1 })
}

func TestMetaSessionKillBy(t *testing.T) {
	r := ticketRouter(t)
	alice1 := joinTicket(t, r, "alice", "a")
	alice2, alice3 := joinTicket(t, r, "alice", "a"), joinTicket(t, r, "alice", "a")
	bob := joinTicket(t, r, "bob", "b")
	carol := joinTicket(t, r, "carol", "c")
	anon := join(t, r)

	// The caller's own session is left out.
	res := metaCall(t, alice1, "wamp.session.kill_by_authid", wamp.List{"alice"}, wamp.Dict{"reason": "com.example.authid"})
	if n := asInt(t, result0(t, res)); n != 2 {
		t.Fatalf("kill_by_authid = %d, want 2", n)
	}
	for _, s := range []*client.Session{alice2, alice3} {
		if ge := goodbyeOf(t, s); ge.Reason != "com.example.authid" {
			t.Fatalf("GOODBYE %s", ge.Reason)
		}
	}
	alive(t, alice1)
	if n := asInt(t, result0(t, metaCall(t, anon, "wamp.session.kill_by_authid", wamp.List{"nobody"}, nil))); n != 0 {
		t.Fatalf("kill_by_authid(nobody) = %d", n)
	}
	metaRefused(t, anon, "wamp.session.kill_by_authid", nil, nil, wamp.ErrInvalidArgument)
	metaRefused(t, anon, "wamp.session.kill_by_authrole", wamp.List{"user"}, wamp.Dict{"reason": 7}, wamp.ErrInvalidURI)

	res = metaCall(t, alice1, "wamp.session.kill_by_authrole", wamp.List{"user"}, wamp.Dict{"message": "role"})
	if n := asInt(t, result0(t, res)); n != 1 {
		t.Fatalf("kill_by_authrole(user) = %d, want 1 (bob)", n)
	}
	if ge := goodbyeOf(t, bob); ge.Reason != wamp.ErrCloseNormal || ge.Details["message"] != "role" {
		t.Fatalf("GOODBYE %s %v", ge.Reason, ge.Details)
	}
	alive(t, alice1)
	alive(t, carol)

	// kill_all: everyone but the caller.
	res = metaCall(t, carol, "wamp.session.kill_all", nil, wamp.Dict{"reason": "wamp.close.system_shutdown"})
	if n := asInt(t, result0(t, res)); n != 2 {
		t.Fatalf("kill_all = %d, want 2 (alice1, anon)", n)
	}
	for _, s := range []*client.Session{alice1, anon} {
		if ge := goodbyeOf(t, s); ge.Reason != wamp.ErrSystemShutdown {
			t.Fatalf("GOODBYE %s", ge.Reason)
		}
	}
	alive(t, carol)
	waitFor(t, "only carol left", func() bool { return r.SessionCount(realm1) == 1 })
}

// isMetaFeature reports whether a WELCOME feature is the meta API's.
func isMetaFeature(name string) bool {
	switch name {
	case "session_meta_api", "registration_meta_api", "subscription_meta_api", "testament_meta_api":
		return true
	}
	return false
}

// The meta features are announced in WELCOME.
func TestMetaWelcomeFeatures(t *testing.T) {
	r := newRouter(t, nil)
	s := join(t, r)
	roles, _ := s.Details()["roles"].(wamp.Dict)
	want := map[string][]string{
		"dealer": {"session_meta_api", "registration_meta_api", "testament_meta_api"},
		"broker": {"session_meta_api", "subscription_meta_api"},
	}
	for role, names := range want {
		r, _ := roles[role].(wamp.Dict)
		f, _ := r["features"].(wamp.Dict)
		for _, n := range names {
			if f[n] != true {
				t.Errorf("WELCOME roles.%s.features.%s = %v", role, n, f[n])
			}
		}
	}
}

// BenchmarkMetaCall: in-process round trips of a meta procedure
// (wamp.session.get), answered by the router itself, beside
// BenchmarkCall's client callee.
func BenchmarkMetaCall(b *testing.B) {
	r := benchRouter(b)
	caller := benchJoin(b, r, client.JoinOptions{})
	args := wamp.List{caller.ID()}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := caller.Call(context.Background(), "wamp.session.get", args, nil, nil); err != nil {
			b.Fatal(err)
		}
	}
}
