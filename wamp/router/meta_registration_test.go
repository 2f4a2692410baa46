package router_test

import (
	"slices"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
)

// byMatchLists checks a {exact, prefix, wildcard} result: three lists,
// none null, and returns them.
func byMatchLists(t *testing.T, v any) map[string][]wamp.ID {
	t.Helper()
	d, ok := v.(wamp.Dict)
	if !ok || len(d) != 3 {
		t.Fatalf("%#v is not {exact, prefix, wildcard}", v)
	}
	out := map[string][]wamp.ID{}
	for _, m := range []string{"exact", "prefix", "wildcard"} {
		out[m] = idList(t, d[m])
	}
	return out
}

func TestMetaRegistration(t *testing.T) {
	r := newRouter(t, nil)
	s := join(t, r)
	// The router's own procedures are not registrations.
	lists := byMatchLists(t, result0(t, metaCall(t, s, "wamp.registration.list", nil, nil)))
	for m, l := range lists {
		if len(l) != 0 {
			t.Fatalf("registration.list[%s] = %v with no registrations", m, l)
		}
	}
	if v := result0(t, metaCall(t, s, "wamp.registration.match", wamp.List{"wamp.session.count"}, nil)); v != nil {
		t.Fatalf("registration.match(wamp.session.count) = %v, want null", v)
	}
	// Nor can a client take their URIs.
	if _, err := s.Register(ctxT(t), "wamp.session.count", echo, nil); !isWampError(err, wamp.ErrProcedureAlreadyExists) {
		t.Fatalf("REGISTER wamp.session.count: %v", err)
	}

	c1, c2 := join(t, r), join(t, r)
	before := time.Now().Add(-time.Second)
	exact := register(t, c1, "com.example.p", echo, nil)
	prefix := register(t, c1, "com.example", echo, &client.RegisterOptions{Match: "prefix"})
	wild := register(t, c2, "com..p", echo, &client.RegisterOptions{Match: "wildcard"})
	shared1 := register(t, c1, "com.other.shared", echo, &client.RegisterOptions{Invoke: "roundrobin"})
	shared2 := register(t, c2, "com.other.shared", echo, &client.RegisterOptions{Invoke: "roundrobin"})
	if shared1.ID != shared2.ID {
		t.Fatal("shared registration IDs differ")
	}

	lists = byMatchLists(t, result0(t, metaCall(t, s, "wamp.registration.list", nil, nil)))
	if !slices.Equal(lists["exact"], sortedIDs(exact.ID, shared1.ID)) || !slices.Equal(lists["prefix"], []wamp.ID{prefix.ID}) ||
		!slices.Equal(lists["wildcard"], []wamp.ID{wild.ID}) {
		t.Fatalf("registration.list = %v", lists)
	}

	lookups := []struct {
		args wamp.List
		want wamp.ID // 0: null
	}{
		{wamp.List{"com.example.p"}, exact.ID},
		{wamp.List{"com.example.p", wamp.Dict{}}, exact.ID},
		{wamp.List{"com.example", wamp.Dict{"match": "prefix"}}, prefix.ID},
		{wamp.List{"com.example"}, 0},
		{wamp.List{"com..p", wamp.Dict{"match": "wildcard"}}, wild.ID},
		{wamp.List{"com.example.q", wamp.Dict{"match": "prefix"}}, 0},
	}
	for _, l := range lookups {
		v := result0(t, metaCall(t, s, "wamp.registration.lookup", l.args, nil))
		if id, _ := wamp.AsID(v); id != l.want || (l.want == 0 && v != nil) {
			t.Errorf("registration.lookup%v = %v, want %d", l.args, v, l.want)
		}
	}
	matches := []struct {
		uri  string
		want wamp.ID
	}{
		{"com.example.p", exact.ID}, // exact beats prefix and wildcard
		{"com.example.q", prefix.ID},
		{"com.x.p", wild.ID},
		{"org.none", 0},
	}
	for _, m := range matches {
		v := result0(t, metaCall(t, s, "wamp.registration.match", wamp.List{m.uri}, nil))
		if id, _ := wamp.AsID(v); id != m.want || (m.want == 0 && v != nil) {
			t.Errorf("registration.match(%s) = %v, want %d", m.uri, v, m.want)
		}
	}

	d, _ := result0(t, metaCall(t, s, "wamp.registration.get", wamp.List{shared1.ID}, nil)).(wamp.Dict)
	if id, _ := wamp.AsID(d["id"]); id != shared1.ID || d["uri"] != "com.other.shared" || d["match"] != "exact" || d["invoke"] != "roundrobin" {
		t.Fatalf("registration.get = %v", d)
	}
	created, err := time.Parse(time.RFC3339Nano, d["created"].(string))
	if err != nil || created.Before(before) || created.After(time.Now().Add(time.Second)) {
		t.Fatalf("created %v (%v)", d["created"], err)
	}
	if got := idList(t, result0(t, metaCall(t, s, "wamp.registration.list_callees", wamp.List{shared1.ID}, nil))); !slices.Equal(got, sortedIDs(c1.ID(), c2.ID())) {
		t.Fatalf("list_callees = %v", got)
	}
	if n := asInt(t, result0(t, metaCall(t, s, "wamp.registration.count_callees", wamp.List{shared1.ID}, nil))); n != 2 {
		t.Fatalf("count_callees = %d", n)
	}
	for _, p := range []wamp.URI{"wamp.registration.get", "wamp.registration.list_callees", "wamp.registration.count_callees"} {
		metaRefused(t, s, p, wamp.List{wamp.MaxID}, nil, wamp.ErrNoSuchRegistration)
		metaRefused(t, s, p, nil, nil, wamp.ErrInvalidArgument)
	}

	// remove_callee: c1 no longer gets the shared procedure's calls.
	metaRefused(t, s, "wamp.registration.remove_callee", wamp.List{shared1.ID, wamp.MaxID}, nil, "wamp.error.no_such_session")
	metaRefused(t, s, "wamp.registration.remove_callee", wamp.List{shared1.ID, s.ID()}, nil, wamp.ErrNoSuchRegistration)
	metaRefused(t, s, "wamp.registration.remove_callee", wamp.List{wamp.MaxID, c1.ID()}, nil, wamp.ErrNoSuchRegistration)
	metaRefused(t, s, "wamp.registration.remove_callee", wamp.List{shared1.ID, c1.ID(), "bad reason"}, nil, wamp.ErrInvalidURI)
	metaCall(t, s, "wamp.registration.remove_callee", wamp.List{shared1.ID, c1.ID()}, wamp.Dict{"reason": "com.example.removed"})
	if got := idList(t, result0(t, metaCall(t, s, "wamp.registration.list_callees", wamp.List{shared1.ID}, nil))); !slices.Equal(got, []wamp.ID{c2.ID()}) {
		t.Fatalf("list_callees after remove_callee = %v", got)
	}
	metaCall(t, s, "wamp.registration.remove_callee", wamp.List{shared1.ID, c2.ID()}, nil)
	metaRefused(t, s, "wamp.registration.get", wamp.List{shared1.ID}, nil, wamp.ErrNoSuchRegistration)
	if _, err := s.Call(ctxT(t), "com.other.shared", nil, nil, nil); !isWampError(err, wamp.ErrNoSuchProcedure) {
		t.Fatalf("call after the last callee was removed: %v", err)
	}
	// The callees' own registrations elsewhere are untouched.
	if res, err := s.Call(ctxT(t), "com.example.p", wamp.List{"x"}, nil, nil); err != nil || res.Args[0] != "x" {
		t.Fatalf("call com.example.p: %v %v", res, err)
	}
}
