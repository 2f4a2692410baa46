package config_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/router/config"
)

// TestConfigEndpoints: transports whose "auth" differ load, each as a
// router endpoint with its own auth and "max_sessions", and so do the
// websocket paths of a web transport; the realms then have no auth of
// their own.
func TestConfigEndpoints(t *testing.T) {
	cfg, err := config.Load("testdata/endpoints.json")
	if err != nil {
		t.Fatal(err)
	}
	eps := cfg.Router.Endpoints
	if len(eps) != 4 || len(cfg.Transports) != 3 {
		t.Fatalf("%d endpoints, %d transports", len(eps), len(cfg.Transports))
	}
	for i, tr := range cfg.Transports[:2] {
		if len(tr.Endpoints) != 1 || tr.Endpoints[0].Name != tr.Path || tr.Endpoints[0].URLPath != "" {
			t.Fatalf("transport %d: endpoints %+v", i, tr.Endpoints)
		}
	}
	const webPath = "workers[0].transports[2]"
	wantWeb := []config.Endpoint{
		{Name: webPath + ".paths.admin", URLPath: "/admin", Serializers: []string{"cbor"}, MaxMessageSize: 4096},
		{Name: webPath + ".paths.ws", URLPath: "/ws", Serializers: []string{"json", "msgpack", "cbor", "ubjson"}},
	}
	if got := cfg.Transports[2].Endpoints; !reflect.DeepEqual(got, wantWeb) {
		t.Fatalf("web endpoints\n%+v, want\n%+v", got, wantWeb)
	}
	for _, tr := range cfg.Transports {
		for _, e := range tr.Endpoints {
			if ec, ok := eps[e.Name]; !ok || ec.Listener != tr.Path {
				t.Fatalf("endpoint %s: %+v, want Listener %s", e.Name, ec, tr.Path)
			}
		}
	}
	anon := eps[cfg.Transports[0].Path]
	raw := eps[cfg.Transports[1].Path]
	web, admin := eps[wantWeb[1].Name], eps[wantWeb[0].Name]
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
	if a := admin.Realms["realm1"]; admin.MaxSessions != 100 || a.Tickets["carol"].Role != "admin" || a.AllowAnonymous || a.CRA != nil {
		t.Fatalf("web admin endpoint %+v", admin)
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
	ep := func(i int) *router.Endpoint { return r.Endpoint(cfg.Transports[i].Endpoints[0].Name) }
	webAdmin, webWS := r.Endpoint(wantWeb[0].Name), r.Endpoint(wantWeb[1].Name)
	alice := &client.Ticket{Ticket: "alice-secret"}
	if d, _ := join(ep(0).Connect(), "realm1", "", nil); d["authrole"] != "anonymous" {
		t.Fatalf("anonymous on the websocket transport: %v", d)
	}
	if d, _ := join(ep(1).Connect(), "realm1", "alice", alice); d["authid"] != "alice" {
		t.Fatalf("alice on the rawsocket transport: %v", d)
	}
	carol := &client.Ticket{Ticket: "carol-secret"}
	if d, _ := join(webAdmin.Connect(), "realm2", "carol", carol); d["authrole"] != "admin" {
		t.Fatalf("carol on the web transport's admin path: %v", d)
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
		{"alice on web", webWS.Connect(), "realm1", "alice", alice, wamp.ErrNoAuthMethod},
		{"carol on web ws", webWS.Connect(), "realm1", "carol", carol, wamp.ErrNoAuthMethod},
		{"anonymous on web admin", webAdmin.Connect(), "realm1", "", nil, wamp.ErrNotAuthorized},
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
