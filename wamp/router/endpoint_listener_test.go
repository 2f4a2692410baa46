package router_test

import (
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// TestEndpointListener: endpoints of one Listener (the paths of one web
// transport) keep their own authentication and count their sessions
// together against the Listener's MaxSessions.
func TestEndpointListener(t *testing.T) {
	r := endpointRouter(t, func(c *router.Config) {
		for _, name := range []string{"a", "b"} {
			e := c.Endpoints[name]
			e.MaxSessions, e.Listener = 2, "web"
			c.Endpoints[name] = e
		}
	})
	a, b := r.Endpoint("a"), r.Endpoint("b")
	if _, err := joinOn(t, b.Connect(), "", nil); err != nil {
		t.Fatal(err)
	}
	_, err := joinOn(t, a.Connect(), "", nil) // a's own auth: no anonymous
	wantAbort(t, err, wamp.ErrNotAuthorized)
	waitFor(t, "the refused session to be gone", func() bool { return a.Sessions() == 0 })
	alice, err := joinOn(t, a.Connect(), "alice", &client.Ticket{Ticket: "alice-t"})
	if err != nil {
		t.Fatal(err)
	}
	// The listener holds 2 sessions, one per endpoint: both are full.
	for _, e := range []*router.Endpoint{a, b} {
		_, err = joinOn(t, e.Connect(), "bob", &client.Ticket{Ticket: "bob-t"})
		wantAbort(t, err, router.ReasonEndpointFull)
		if !strings.Contains(err.Error(), "listener web") {
			t.Fatalf("%s: %v, want the listener named", e.Name(), err)
		}
	}
	if a.Sessions() != 1 || b.Sessions() != 1 || a.Refused() != 1 || b.Refused() != 1 {
		t.Fatalf("Sessions %d, %d; Refused %d, %d; want 1, 1; 1, 1", a.Sessions(), b.Sessions(), a.Refused(), b.Refused())
	}
	alice.Close()
	waitFor(t, "a's count to drop", func() bool { return a.Sessions() == 0 })
	if _, err := joinOn(t, b.Connect(), "bob", &client.Ticket{Ticket: "bob-t"}); err != nil {
		t.Fatalf("b after a's session left: %v", err)
	}
	// Endpoint "none" is on no Listener: not bound by web's count.
	if _, err := joinOn(t, r.Endpoint("none").Connect(), "", nil); err == nil || strings.Contains(err.Error(), string(router.ReasonEndpointFull)) {
		t.Fatalf("none: %v, want no_such_realm", err)
	}
}

// TestEndpointReloadMaxSessions: Reload changes an endpoint's (and a
// Listener's) MaxSessions; lowering it ends no session and refuses new
// ones until the count is below the new bound.
func TestEndpointReloadMaxSessions(t *testing.T) {
	var cfg router.Config
	r := endpointRouter(t, func(c *router.Config) {
		e := c.Endpoints["b"]
		e.MaxSessions = 3
		c.Endpoints["b"] = e
		cfg = *c
	})
	b := r.Endpoint("b")
	with := func(max int, listener string) router.Config {
		next := cfg
		next.Endpoints = map[string]router.EndpointConfig{}
		for name, ec := range cfg.Endpoints {
			next.Endpoints[name] = ec
		}
		e := next.Endpoints["b"]
		e.MaxSessions, e.Listener = max, listener
		next.Endpoints["b"] = e
		return next
	}
	var joined []*client.Session
	for range 3 {
		s, err := joinOn(t, b.Connect(), "", nil)
		if err != nil {
			t.Fatal(err)
		}
		joined = append(joined, s)
	}
	if err := r.Reload(with(1, "")); err != nil {
		t.Fatal(err)
	}
	// The 3 joined sessions stay; a new one is refused until 0 remain.
	for _, s := range joined {
		if _, err := s.Call(ctxT(t), "wamp.session.count", nil, nil, nil); err != nil {
			t.Fatalf("a session joined before the reload: %v", err)
		}
	}
	_, err := joinOn(t, b.Connect(), "", nil)
	wantAbort(t, err, router.ReasonEndpointFull)
	joined[0].Close()
	waitFor(t, "b's count to drop to 2", func() bool { return b.Sessions() == 2 })
	_, err = joinOn(t, b.Connect(), "", nil) // 2 is not below 1
	wantAbort(t, err, router.ReasonEndpointFull)
	joined[1].Close()
	joined[2].Close()
	waitFor(t, "b's count to drop to 0", func() bool { return b.Sessions() == 0 })
	if _, err := joinOn(t, b.Connect(), "", nil); err != nil {
		t.Fatalf("below the lowered bound: %v", err)
	}
	_, err = joinOn(t, b.Connect(), "", nil)
	wantAbort(t, err, router.ReasonEndpointFull)
	// Raising it (0: no bound) lets the next one in.
	if err := r.Reload(with(0, "")); err != nil {
		t.Fatal(err)
	}
	if _, err := joinOn(t, b.Connect(), "", nil); err != nil {
		t.Fatalf("after raising the bound: %v", err)
	}
	// Moving b to a Listener needs a restart: nothing changes.
	if err := r.Reload(with(1, "web")); err == nil || !strings.Contains(err.Error(), `endpoint "b": Listener "web", was ""`) {
		t.Fatalf("Reload moving an endpoint: %v", err)
	}
	if _, err := joinOn(t, b.Connect(), "", nil); err != nil {
		t.Fatalf("after a failed reload: %v", err)
	}
}

func TestEndpointListenerConfigErrors(t *testing.T) {
	_, err := router.New(router.Config{Realms: []router.RealmConfig{{Name: realm1}}, Endpoints: map[string]router.EndpointConfig{
		"p1": {MaxSessions: 2, Listener: "l"}, "p2": {MaxSessions: 3, Listener: "l"}}})
	if want := `endpoint "p2": MaxSessions 3 differs from 2 of endpoint "p1" on the same Listener "l"`; err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("New: %v, want %q", err, want)
	}
}
