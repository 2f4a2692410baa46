package config_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/router/config"
)

// TestConfigEndpoints: transports whose "auth" differ load, each as a
// router endpoint with its own auth and "max_sessions"; the realms then
// have no auth of their own.
func TestConfigEndpoints(t *testing.T) {
	cfg, err := config.Load("testdata/endpoints.json")
	if err != nil {
		t.Fatal(err)
	}
	eps := cfg.Router.Endpoints
	if len(eps) != 3 || len(cfg.Transports) != 3 {
		t.Fatalf("%d endpoints, %d transports", len(eps), len(cfg.Transports))
	}
	for i, tr := range cfg.Transports {
		if _, ok := eps[tr.Endpoint]; !ok || tr.Endpoint != tr.Path {
			t.Fatalf("transport %d: endpoint %q", i, tr.Endpoint)
		}
	}
	anon := eps[cfg.Transports[0].Endpoint]
	raw := eps[cfg.Transports[1].Endpoint]
	web := eps[cfg.Transports[2].Endpoint]
	if a := anon.Realms["realm2"]; !a.AllowAnonymous || a.AnonymousRole != "anonymous" || a.Tickets != nil || anon.MaxSessions != 0 {
		t.Fatalf("websocket endpoint %+v", anon)
	}
	if raw.MaxSessions != 3 || raw.Realms["realm1"].Tickets["alice"].Ticket != "alice-secret" ||
		raw.Realms["realm2"].Tickets != nil || raw.Realms["realm1"].AllowAnonymous {
		t.Fatalf("rawsocket endpoint %+v", raw)
	}
	if w := web.Realms["realm1"]; web.MaxSessions != 100 || w.CRA["bob"].Secret != "bob-secret" || w.AnonymousRole != "guest" {
		t.Fatalf("web endpoint %+v", web)
	}
	for _, rc := range cfg.Router.Realms {
		if rc.AllowAnonymous || rc.Tickets != nil || rc.CRA != nil {
			t.Fatalf("realm %s has auth of its own: %+v", rc.Name, rc)
		}
	}

	// Served: each endpoint authenticates as its transport says.
	r, err := router.New(cfg.Router)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = r.Close(ctx)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	join := func(tr wamp.Transport, realm wamp.URI, authid string, a client.Authenticator) (wamp.Dict, wamp.URI) {
		t.Helper()
		opts := client.JoinOptions{AuthID: authid}
		if a != nil {
			opts.Authenticators = []client.Authenticator{a}
		}
		s, err := client.Join(ctx, tr, realm, opts)
		var ae *client.AbortError
		if errors.As(err, &ae) {
			return nil, ae.Reason
		}
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		return s.Details(), ""
	}
	ep := func(i int) *router.Endpoint { return r.Endpoint(cfg.Transports[i].Endpoint) }
	alice := &client.Ticket{Ticket: "alice-secret"}
	if d, _ := join(ep(0).Connect(), "realm1", "", nil); d["authrole"] != "anonymous" {
		t.Fatalf("anonymous on the websocket transport: %v", d)
	}
	if d, _ := join(ep(1).Connect(), "realm1", "alice", alice); d["authid"] != "alice" {
		t.Fatalf("alice on the rawsocket transport: %v", d)
	}
	for _, c := range []struct {
		name   string
		tr     wamp.Transport
		realm  wamp.URI
		authid string
		a      client.Authenticator
		want   wamp.URI
	}{
		{"anonymous on rawsocket", ep(1).Connect(), "realm1", "", nil, wamp.ErrNotAuthorized},
		{"alice on websocket", ep(0).Connect(), "realm1", "alice", alice, wamp.ErrNoAuthMethod},
		{"alice in realm2", ep(1).Connect(), "realm2", "alice", alice, wamp.ErrNoAuthMethod},
		{"alice on web", ep(2).Connect(), "realm1", "alice", alice, wamp.ErrNoAuthMethod},
		{"anonymous without endpoint", r.Connect(), "realm1", "", nil, wamp.ErrNotAuthorized},
	} {
		if _, reason := join(c.tr, c.realm, c.authid, c.a); reason != c.want {
			t.Errorf("%s: ABORT %q, want %q", c.name, reason, c.want)
		}
	}
}

// TestConfigEndpointsSameAuth: when every transport has the same auth, it
// is also the realms' (sessions attached without an endpoint keep it).
func TestConfigEndpointsSameAuth(t *testing.T) {
	const auth = `"auth": {"ticket": {"principals": {"joe": {"ticket": "t", "role": "u"}}}}`
	cfg, err := config.Parse([]byte(`{"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1"}], "transports": [
		{"type": "websocket", "endpoint": {"type": "tcp", "port": 1}, `+auth+`},
		{"type": "rawsocket", "endpoint": {"type": "tcp", "port": 2}, "max_sessions": 7, `+auth+`}]}]}`), "")
	if err != nil {
		t.Fatal(err)
	}
	rc := cfg.Router.Realms[0]
	if rc.Tickets["joe"].Ticket != "t" || rc.AllowAnonymous {
		t.Fatalf("realm auth %+v", rc)
	}
	e := cfg.Router.Endpoints["workers[0].transports[1]"]
	if e.MaxSessions != 7 || e.Realms["realm1"].Tickets["joe"].Role != "u" {
		t.Fatalf("endpoint %+v", e)
	}
}
