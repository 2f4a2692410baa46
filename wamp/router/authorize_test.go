package router_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// rulesRole is the static permission set of TestAuthorizeRules.
var rulesRole = router.RoleConfig{Name: "user", Permissions: []router.Permission{
	{URI: "", Match: wamp.MatchPrefix, Allow: router.Allow{Subscribe: true}},                             // P1 catch-all
	{URI: "com.example.", Match: wamp.MatchPrefix, Allow: router.Allow{Call: true}},                      // P2
	{URI: "com.example.admin.", Match: wamp.MatchPrefix},                                                 // P3
	{URI: "com.example.admin.status", Allow: router.Allow{Call: true}},                                   // P4 (match "" is exact)
	{URI: "com.example.pub", Match: wamp.MatchPrefix, Allow: router.Allow{Publish: true}},                // P5
	{URI: "com..update", Match: wamp.MatchWildcard, Allow: router.Allow{Publish: true, Subscribe: true}}, // P6
	{URI: "com.example..delete", Match: wamp.MatchWildcard, Allow: router.Allow{Register: true}},         // P7
	{URI: "com.example.echo", Match: wamp.MatchExact, Allow: router.Allow{Call: true, Register: true}},   // P8
	{URI: "org.news", Match: wamp.MatchExact, Allow: router.Allow{Publish: true}},                        // P9
	{URI: "org.news.", Match: wamp.MatchPrefix},                                                          // P10
	{URI: "a..c", Match: wamp.MatchWildcard, Allow: router.Allow{Call: true}},                            // P11
	{URI: ".b.c", Match: wamp.MatchWildcard, Allow: router.Allow{Register: true}},                        // P12
	{URI: "wamp.session.count", Allow: router.Allow{Call: true}},                                         // P13
}}

// The most specific permission decides alone: the longest matching
// pattern, exact before prefix before wildcard at equal length. Every
// action goes through the public API: an allowed CALL of a procedure
// nobody registered gets no_such_procedure, a denied one not_authorized.
func TestAuthorizeRules(t *testing.T) {
	r := newRouter(t, func(c *router.Config) {
		c.Realms[0].AnonymousRole = "user"
		c.Realms[0].Roles = []router.RoleConfig{rulesRole}
	})
	s := join(t, r)
	ctx := ctxT(t)
	cases := []struct {
		uri    wamp.URI
		match  string // subscribe and register only
		action string
		allow  bool
		why    string
	}{
		{"com.example.echo", "", router.ActionCall, true, "P8 exact"},
		{"com.example.echo", "", router.ActionRegister, true, "P8 exact"},
		{"com.example.echo", "", router.ActionSubscribe, false, "P8 exact beats the P1 catch-all"},
		{"com.example.other", "", router.ActionCall, true, "P2 prefix"},
		{"com.example.other", "", router.ActionSubscribe, false, "P2 is longer than P1"},
		{"com.example.admin.reboot", "", router.ActionCall, false, "P3 is longer than P2"},
		{"com.example.admin.status", "", router.ActionCall, true, "P4 exact beats P3"},
		{"com.example.admin.status.x", "", router.ActionCall, false, "P3: exact P4 does not cover longer URIs"},
		{"com.example.pubsub", "", router.ActionPublish, true, "P5 is a byte-wise prefix, longer than P2"},
		{"com.example.pubsub", "", router.ActionCall, false, "P5 beats P2"},
		{"com.foo.update", "", router.ActionPublish, true, "P6 wildcard beats the shorter P1"},
		{"com.foo.update", "", router.ActionSubscribe, true, "P6"},
		{"com.foo.update", "", router.ActionCall, false, "P6"},
		{"com.example.update", "", router.ActionPublish, false, "P2 (12 octets) is longer than P6 (11)"},
		{"com.example.thing.delete", "", router.ActionRegister, true, "P7 is longer than P2"},
		{"com.example.thing.delete", "", router.ActionCall, false, "P7"},
		{"org.news", "", router.ActionPublish, true, "P9 exact"},
		{"org.news.sports", "", router.ActionPublish, false, "P10"},
		{"org.news.sports", "", router.ActionSubscribe, false, "P10 beats P1"},
		{"org.other", "", router.ActionSubscribe, true, "P1 catch-all"},
		{"org.other", "", router.ActionPublish, false, "P1"},
		{"org.other", "", router.ActionRegister, false, "P1"},
		{"a.b.c", "", router.ActionCall, true, "P11 and P12 tie in length: the earlier concrete component wins"},
		{"a.b.c", "", router.ActionRegister, false, "P11"},
		{"x.b.c", "", router.ActionRegister, true, "P12"},
		{"wamp.session.list", "", router.ActionCall, false, "meta procedures pass the same check (P1)"},
		{"wamp.session.count", "", router.ActionCall, true, "P13"},
		{"com.example.", wamp.MatchPrefix, router.ActionSubscribe, false, "a pattern is checked as written: P2"},
		{"org.", wamp.MatchPrefix, router.ActionSubscribe, true, "P1"},
		{"com..update", wamp.MatchWildcard, router.ActionSubscribe, true, "P6 matches its own pattern"},
	}
	for _, c := range cases {
		var err error
		switch c.action {
		case router.ActionCall:
			_, err = s.Call(ctx, c.uri, nil, nil, nil)
			if c.allow && isWampError(err, wamp.ErrNoSuchProcedure) {
				err = nil
			}
		case router.ActionRegister:
			var reg *client.Registration
			reg, err = s.Register(ctx, c.uri, echo, &client.RegisterOptions{Match: c.match})
			if err == nil {
				err = s.Unregister(ctx, reg)
			}
		case router.ActionPublish:
			err = s.Publish(ctx, c.uri, nil, nil, &client.PublishOptions{Acknowledge: true})
		case router.ActionSubscribe:
			var sub *client.Subscription
			sub, err = s.Subscribe(ctx, c.uri, func(*wamp.Event) {}, &client.SubscribeOptions{Match: c.match})
			if err == nil {
				err = s.Unsubscribe(ctx, sub)
			}
		}
		switch {
		case c.allow && err != nil:
			t.Errorf("%s %s (%s): %v, want allowed", c.action, c.uri, c.why, err)
		case !c.allow && !isWampError(err, wamp.ErrNotAuthorized):
			t.Errorf("%s %s (%s): %v, want %s", c.action, c.uri, c.why, err, wamp.ErrNotAuthorized)
		}
	}
}

// An unacknowledged PUBLISH that is denied is dropped without an answer;
// the session goes on.
func TestAuthorizePublishDropped(t *testing.T) {
	r := newRouter(t, func(c *router.Config) {
		c.Realms[0].AnonymousRole = "user"
		c.Realms[0].Roles = []router.RoleConfig{{Name: "user", Permissions: []router.Permission{
			{URI: "", Match: wamp.MatchPrefix, Allow: router.Allow{Subscribe: true}},
			{URI: "t.ok", Allow: router.Allow{Publish: true}},
		}}}
	})
	sub, pub := join(t, r), join(t, r)
	_, ch := subscribe(t, sub, "t.", &client.SubscribeOptions{Match: wamp.MatchPrefix})
	if err := pub.Publish(ctxT(t), "t.denied", wamp.List{"lost"}, nil, nil); err != nil {
		t.Fatal(err)
	}
	publish(t, pub, "t.ok", wamp.List{"marker"}, nil)
	if e := next(t, ch); e.Args[0] != "marker" {
		t.Fatalf("first event %v: the denied publication was delivered", e.Args)
	}
}

// disclose.caller and disclose.publisher force disclosure though the
// caller and publisher did not ask for it.
func TestAuthorizeDisclose(t *testing.T) {
	r := newRouter(t, func(c *router.Config) {
		c.Realms[0].AnonymousRole = "user"
		c.Realms[0].Roles = []router.RoleConfig{{Name: "user", Permissions: []router.Permission{
			{URI: "", Match: wamp.MatchPrefix, Allow: router.Allow{Call: true, Register: true, Publish: true, Subscribe: true}},
			{URI: "seen.", Match: wamp.MatchPrefix, Allow: router.Allow{Call: true, Register: true, Publish: true, Subscribe: true},
				Disclose: router.Disclose{Caller: true, Publisher: true}},
		}}}
	})
	callee, caller := join(t, r), join(t, r)
	who := func(_ context.Context, inv *client.Invocation) (*client.Result, error) {
		id, ok := inv.Caller()
		return &client.Result{Args: wamp.List{ok, uint64(id)}}, nil
	}
	register(t, callee, "seen.who", who, nil)
	register(t, callee, "hidden.who", who, nil)
	res, err := caller.Call(ctxT(t), "seen.who", nil, nil, nil)
	if err != nil || res.Args[0] != true || wamp.ID(res.Args[1].(uint64)) != caller.ID() {
		t.Fatalf("seen.who: %v %v", res, err)
	}
	if res, err := caller.Call(ctxT(t), "hidden.who", nil, nil, nil); err != nil || res.Args[0] != false {
		t.Fatalf("hidden.who: %v %v", res, err)
	}
	_, ch := subscribe(t, callee, "seen.topic", nil)
	publish(t, caller, "seen.topic", nil, nil)
	if e := next(t, ch); e.Details["publisher"] != uint64(caller.ID()) || e.Details["publisher_authrole"] != "user" {
		t.Fatalf("EVENT.Details = %v", e.Details)
	}
}

// A realm with roles refuses a session whose role is not among them; a
// realm without roles allows everything (the anonymous default).
func TestAuthorizeRoles(t *testing.T) {
	r := newRouter(t, func(c *router.Config) {
		c.Realms = append(c.Realms, router.RealmConfig{Name: "closed", AllowAnonymous: true, AnonymousRole: "guest",
			Tickets: map[string]router.TicketPrincipal{"tom": {Ticket: "t", Role: "nobody"}, "ann": {Ticket: "a", Role: "empty"}},
			Roles:   []router.RoleConfig{{Name: "empty"}, {Name: "guest", Permissions: []router.Permission{{URI: "x", Allow: router.Allow{Call: true}}}}}})
	})
	_, err := joinWith(t, r, "closed", "tom", &client.Ticket{Ticket: "t"})
	wantAbort(t, err, wamp.ErrNoSuchRole)
	ann, err := joinWith(t, r, "closed", "ann", &client.Ticket{Ticket: "a"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ann.Call(ctxT(t), "x", nil, nil, nil); !isWampError(err, wamp.ErrNotAuthorized) {
		t.Fatalf("a role without permissions: %v", err)
	}
	guest, err := joinWith(t, r, "closed", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := guest.Call(ctxT(t), "x", nil, nil, nil); !isWampError(err, wamp.ErrNoSuchProcedure) {
		t.Fatalf("guest call x: %v", err)
	}
	open := join(t, r)
	register(t, open, "any.thing", echo, &client.RegisterOptions{Match: wamp.MatchPrefix})
	if _, err := open.Call(ctxT(t), "any.thing.x", nil, nil, nil); err != nil {
		t.Fatalf("open realm: %v", err)
	}

	for _, roles := range [][]router.RoleConfig{
		{{Name: ""}},
		{{Name: "a"}, {Name: "a"}},
		{{Name: "a", Permissions: []router.Permission{{URI: "x", Match: "regex"}}}},
		{{Name: "a", Permissions: []router.Permission{{URI: "bad uri#"}}}},
		{{Name: "a", Permissions: []router.Permission{{URI: "x"}, {URI: "x", Match: wamp.MatchExact}}}},
		{{Name: "a", Permissions: []router.Permission{{URI: "x"}}, Authorizer: router.AuthorizerFunc(nil)}},
	} {
		if _, err := router.New(router.Config{Realms: []router.RealmConfig{{Name: "r", Roles: roles}}}); err == nil {
			t.Errorf("roles %+v accepted", roles)
		}
	}
}

// An Authorizer decides in code; cached decisions are not asked again,
// errors refuse with wamp.error.authorization_failed.
func TestAuthorizer(t *testing.T) {
	var asked atomic.Int32
	var last atomic.Pointer[router.AuthorizeRequest]
	az := router.AuthorizerFunc(func(req *router.AuthorizeRequest) (router.Decision, error) {
		asked.Add(1)
		last.Store(req)
		if req.Action != router.ActionCall {
			return router.Decision{}, nil
		}
		switch req.URI {
		case "cached":
			return router.Decision{Allow: true, Cache: true}, nil
		case "fresh":
			return router.Decision{Allow: true}, nil
		case "broken":
			return router.Decision{}, errors.New("database down")
		}
		return router.Decision{}, nil
	})
	r := newRouter(t, func(c *router.Config) {
		c.Realms[0].AnonymousRole = "coded"
		c.Realms[0].Roles = []router.RoleConfig{{Name: "coded", Authorizer: az}}
	})
	s := join(t, r)
	ctx := ctxT(t)
	for range 3 {
		if _, err := s.Call(ctx, "cached", nil, nil, nil); !isWampError(err, wamp.ErrNoSuchProcedure) {
			t.Fatal(err)
		}
		if _, err := s.Call(ctx, "fresh", nil, nil, nil); !isWampError(err, wamp.ErrNoSuchProcedure) {
			t.Fatal(err)
		}
	}
	if n := asked.Load(); n != 4 {
		t.Fatalf("authorizer asked %d times, want 1 (cached) + 3 (fresh)", n)
	}
	req := last.Load()
	if req.Action != router.ActionCall || req.URI != "fresh" || req.AuthRole != "coded" || req.Session != s.ID() ||
		req.Realm != realm1 || req.AuthMethod != "anonymous" || req.AuthProvider != "static" {
		t.Fatalf("request %+v", req)
	}
	if _, err := s.Subscribe(ctx, "cached", func(*wamp.Event) {}, &client.SubscribeOptions{Match: wamp.MatchPrefix}); !isWampError(err, wamp.ErrNotAuthorized) {
		t.Fatalf("subscribe (another action, not cached): %v", err)
	}
	if req := last.Load(); req.Action != router.ActionSubscribe || req.Match != wamp.MatchPrefix {
		t.Fatalf("request %+v", req)
	}
	if _, err := s.Call(ctx, "broken", nil, nil, nil); !isWampError(err, wamp.ErrAuthorizationFailed) {
		t.Fatalf("failing authorizer: %v", err)
	}
}

// Reload: a session joined before stays, the new permissions apply to its
// next call, a removed principal cannot join, an added one can.
func TestReload(t *testing.T) {
	realmCfg := func(perms []router.Permission, tickets map[string]router.TicketPrincipal) router.Config {
		return router.Config{Realms: []router.RealmConfig{{Name: realm1, Tickets: tickets,
			Roles: []router.RoleConfig{{Name: "user", Permissions: perms}}}}}
	}
	before := realmCfg([]router.Permission{{URI: "a", Allow: router.Allow{Call: true}}},
		map[string]router.TicketPrincipal{"alice": {Ticket: "A", Role: "user"}, "bob": {Ticket: "B", Role: "user"}})
	r := newRouter(t, func(c *router.Config) { *c = before })
	alice, err := joinWith(t, r, realm1, "alice", &client.Ticket{Ticket: "A"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := ctxT(t)
	if _, err := alice.Call(ctx, "b", nil, nil, nil); !isWampError(err, wamp.ErrNotAuthorized) {
		t.Fatalf("before: %v", err)
	}

	after := realmCfg([]router.Permission{{URI: "b", Allow: router.Allow{Call: true}}},
		map[string]router.TicketPrincipal{"alice": {Ticket: "A", Role: "user"}, "carol": {Ticket: "C", Role: "user"}})
	if err := r.Reload(after); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.Call(ctx, "b", nil, nil, nil); !isWampError(err, wamp.ErrNoSuchProcedure) {
		t.Fatalf("after, b: %v", err)
	}
	if _, err := alice.Call(ctx, "a", nil, nil, nil); !isWampError(err, wamp.ErrNotAuthorized) {
		t.Fatalf("after, a: %v", err)
	}
	_, err = joinWith(t, r, realm1, "bob", &client.Ticket{Ticket: "B"})
	wantAbort(t, err, wamp.ErrAuthenticationFailed)
	if _, err := joinWith(t, r, realm1, "carol", &client.Ticket{Ticket: "C"}); err != nil {
		t.Fatal(err)
	}
	if info, ok := r.Session(realm1, alice.ID()); !ok || info.AuthID != "alice" {
		t.Fatalf("alice's session after the reload: %+v %v", info, ok)
	}

	// Refused reloads change nothing.
	for _, bad := range []router.Config{
		{Realms: []router.RealmConfig{{Name: "other"}}},
		{Realms: nil},
		realmCfg([]router.Permission{{URI: "x", Match: "regex"}}, nil),
	} {
		if err := r.Reload(bad); err == nil {
			t.Errorf("Reload(%+v) accepted", bad)
		}
	}
	if _, err := alice.Call(ctx, "b", nil, nil, nil); !isWampError(err, wamp.ErrNoSuchProcedure) {
		t.Fatalf("after refused reloads: %v", err)
	}

	// Reloads while sessions call and join (for -race): every answer is
	// one of the two configurations'.
	done := make(chan error, 2)
	go func() {
		for range 100 {
			_, err := alice.Call(ctx, "a", nil, nil, nil)
			if !isWampError(err, wamp.ErrNoSuchProcedure) && !isWampError(err, wamp.ErrNotAuthorized) {
				done <- err
				return
			}
		}
		done <- nil
	}()
	go func() {
		for range 20 {
			s, err := client.Join(ctx, r.Connect(), realm1, client.JoinOptions{AuthID: "alice",
				Authenticators: []client.Authenticator{&client.Ticket{Ticket: "A"}}})
			if err != nil {
				done <- err
				return
			}
			s.Close()
		}
		done <- nil
	}()
	for i := range 50 {
		cfg := before
		if i%2 == 1 {
			cfg = after
		}
		if err := r.Reload(cfg); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}

// BenchmarkCallAuthorized: in-process call round trips in an open realm
// and under a role of 1,000 static permissions (exact, prefix and
// wildcard), one call at a time: the cost of the check.
func BenchmarkCallAuthorized(b *testing.B) {
	var many []router.Permission
	for i := range 333 {
		many = append(many,
			router.Permission{URI: wamp.URI(fmt.Sprintf("com.app%d.proc", i)), Allow: router.Allow{Call: true}},
			router.Permission{URI: wamp.URI(fmt.Sprintf("com.app%d.", i)), Match: wamp.MatchPrefix, Allow: router.Allow{Call: true}},
			router.Permission{URI: wamp.URI(fmt.Sprintf("com..app%d", i)), Match: wamp.MatchWildcard, Allow: router.Allow{Call: true}})
	}
	many = append(many, router.Permission{URI: "bench.", Match: wamp.MatchPrefix, Allow: router.Allow{Call: true, Register: true}})
	for _, c := range []struct {
		name  string
		roles []router.RoleConfig
	}{{"open", nil}, {"static-1000", []router.RoleConfig{{Name: "anonymous", Permissions: many}}}} {
		b.Run(c.name, func(b *testing.B) {
			r, err := router.New(router.Config{Realms: []router.RealmConfig{{Name: realm1, AllowAnonymous: true, Roles: c.roles}}})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { r.Close(context.Background()) })
			callee, caller := benchJoin(b, r, client.JoinOptions{}), benchJoin(b, r, client.JoinOptions{})
			if _, err := callee.Register(context.Background(), "bench.echo", echo, nil); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := caller.Call(context.Background(), "bench.echo", nil, nil, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
