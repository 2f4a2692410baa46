package router_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/internal/wsconf"
	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// endpointRouter: realm1 authenticates carol by ticket (and nobody
// anonymously); endpoint "a" has ticket alice and wampcra cora, endpoint
// "b" anonymous sessions and ticket bob, endpoint "none" serves no realm.
func endpointRouter(t *testing.T, mod func(*router.Config)) *router.Router {
	return newRouter(t, func(c *router.Config) {
		c.Realms[0].AllowAnonymous = false
		c.Realms[0].Tickets = map[string]router.TicketPrincipal{"carol": {Ticket: "carol-t", Role: "realmuser"}}
		c.Endpoints = map[string]router.EndpointConfig{
			"a": {Realms: map[wamp.URI]router.AuthConfig{realm1: {
				Tickets: map[string]router.TicketPrincipal{"alice": {Ticket: "alice-t", Role: "a-user"}},
				CRA:     map[string]router.CRAPrincipal{"cora": {Secret: "cora-s", Role: "a-cra"}},
			}}},
			"b": {Realms: map[wamp.URI]router.AuthConfig{realm1: {
				AllowAnonymous: true, AnonymousRole: "guest",
				Tickets: map[string]router.TicketPrincipal{"bob": {Ticket: "bob-t"}},
			}}},
			"none": {},
		}
		if mod != nil {
			mod(c)
		}
	})
}

// joinOn joins realm1 over tr as authid with a (nil: anonymous).
func joinOn(t *testing.T, tr wamp.Transport, authid string, a client.Authenticator) (*client.Session, error) {
	t.Helper()
	opts := client.JoinOptions{AuthID: authid}
	if a != nil {
		opts.Authenticators = []client.Authenticator{a}
	}
	s, err := client.Join(ctxT(t), tr, realm1, opts)
	if err == nil {
		t.Cleanup(func() { s.Close() })
	}
	return s, err
}

func TestEndpointAuthIsolation(t *testing.T) {
	r := endpointRouter(t, nil)
	a, b := r.Endpoint("a"), r.Endpoint("b")
	if a == nil || b == nil || r.Endpoint("c") != nil || a.Name() != "a" {
		t.Fatal("Endpoint: wrong lookup")
	}
	ticket := func(s string) client.Authenticator { return &client.Ticket{Ticket: s} }

	s, err := joinOn(t, a.Connect(), "alice", ticket("alice-t"))
	wantWelcome(t, s, err, "alice", "a-user", "ticket", "static")
	s, err = joinOn(t, a.Connect(), "cora", &client.CRA{Secret: "cora-s"})
	wantWelcome(t, s, err, "cora", "a-cra", "wampcra", "static")
	s, err = joinOn(t, b.Connect(), "bob", ticket("bob-t"))
	wantWelcome(t, s, err, "bob", "user", "ticket", "static")
	s, err = joinOn(t, b.Connect(), "", nil)
	if err != nil || s.Details()["authrole"] != "guest" {
		t.Fatalf("anonymous on b: %v, %v", err, s)
	}
	// Without an endpoint: the realm's own authentication, unchanged.
	s, err = joinOn(t, r.Connect(), "carol", ticket("carol-t"))
	wantWelcome(t, s, err, "carol", "realmuser", "ticket", "static")

	for _, c := range []struct {
		name   string
		tr     func() wamp.Transport
		authid string
		a      client.Authenticator
		want   wamp.URI
	}{
		{"alice on b", b.Connect, "alice", ticket("alice-t"), wamp.ErrAuthenticationFailed},
		{"bob on a", a.Connect, "bob", ticket("bob-t"), wamp.ErrAuthenticationFailed},
		{"carol (realm) on a", a.Connect, "carol", ticket("carol-t"), wamp.ErrAuthenticationFailed},
		{"alice without endpoint", r.Connect, "alice", ticket("alice-t"), wamp.ErrAuthenticationFailed},
		{"anonymous on a", a.Connect, "", nil, wamp.ErrNotAuthorized},
		{"anonymous without endpoint", r.Connect, "", nil, wamp.ErrNotAuthorized},
		{"wampcra on b", b.Connect, "cora", &client.CRA{Secret: "cora-s"}, wamp.ErrNoAuthMethod},
		{"realm not on endpoint", r.Endpoint("none").Connect, "", nil, wamp.ErrNoSuchRealm},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := joinOn(t, c.tr(), c.authid, c.a)
			wantAbort(t, err, c.want)
		})
	}
}

// TestEndpointTransportInfo: an Authenticator learns the endpoint.
func TestEndpointTransportInfo(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	dyn := router.AuthenticatorFunc(func(_ context.Context, req *router.AuthRequest) (*router.Principal, error) {
		mu.Lock()
		seen = append(seen, req.Transport.Endpoint)
		mu.Unlock()
		return &router.Principal{AuthRole: "dyn"}, nil
	})
	r := newRouter(t, func(c *router.Config) {
		c.Realms[0].Authenticators = map[string]router.Authenticator{"ticket": dyn}
		c.Endpoints = map[string]router.EndpointConfig{"d": {Realms: map[wamp.URI]router.AuthConfig{realm1: {
			Authenticators: map[string]router.Authenticator{"ticket": dyn}}}}}
	})
	for _, tr := range []wamp.Transport{r.Endpoint("d").Connect(), r.Connect()} {
		s, err := joinOn(t, tr, "x", &client.Ticket{Ticket: "any"})
		wantWelcome(t, s, err, "x", "dyn", "ticket", "dynamic")
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(seen, ",") != "d," {
		t.Fatalf("TransportInfo.Endpoint = %q, want d then none", seen)
	}
}

// TestEndpointMaxSessions: past MaxSessions a HELLO gets ABORT
// ReasonEndpointFull and is counted; a closed session frees its place.
// Other endpoints and the realm have their own counts.
func TestEndpointMaxSessions(t *testing.T) {
	r := endpointRouter(t, func(c *router.Config) {
		e := c.Endpoints["b"]
		e.MaxSessions = 2
		c.Endpoints["b"] = e
	})
	b := r.Endpoint("b")
	// A connection counts from its attaching, before its HELLO.
	idle := b.Connect()
	if got := b.Sessions(); got != 1 {
		t.Fatalf("Sessions with a connection attached = %d, want 1", got)
	}
	idle.Close()
	waitFor(t, "the idle connection to be uncounted", func() bool { return b.Sessions() == 0 })
	s1, err := joinOn(t, b.Connect(), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := joinOn(t, b.Connect(), "", nil); err != nil {
		t.Fatal(err)
	}
	_, err = joinOn(t, b.Connect(), "bob", &client.Ticket{Ticket: "bob-t"})
	wantAbort(t, err, router.ReasonEndpointFull)
	if got := b.Refused(); got != 1 {
		t.Fatalf("Refused = %d, want 1", got)
	}
	// The refused connection is not counted, closed or not.
	if got := b.Sessions(); got != 2 {
		t.Fatalf("Sessions = %d, want 2", got)
	}
	// Endpoint a and the realm without endpoint are not bound by b's count.
	if _, err := joinOn(t, r.Endpoint("a").Connect(), "alice", &client.Ticket{Ticket: "alice-t"}); err != nil {
		t.Fatal(err)
	}
	if _, err := joinOn(t, r.Connect(), "carol", &client.Ticket{Ticket: "carol-t"}); err != nil {
		t.Fatal(err)
	}
	s1.Close()
	waitFor(t, "b's count to drop", func() bool { return b.Sessions() == 1 })
	if _, err := joinOn(t, b.Connect(), "", nil); err != nil {
		t.Fatalf("after a session left: %v", err)
	}
	if b.Sessions() != 2 || b.Refused() != 1 {
		t.Fatalf("Sessions, Refused = %d, %d; want 2, 1", b.Sessions(), b.Refused())
	}
}

// TestEndpointWebSocket: goroutine transports (Attach and
// ServeTransport) and the event loop (LoopHandler) over real sockets
// follow their endpoint's authentication and bound.
func TestEndpointWebSocket(t *testing.T) {
	r := endpointRouter(t, func(c *router.Config) {
		e := c.Endpoints["b"]
		e.MaxSessions = 1
		c.Endpoints["b"] = e
	})
	a, b := r.Endpoint("a"), r.Endpoint("b")
	opts := websocket.Options{Serializers: serializers}
	httpServer := func(serve func(*websocket.Conn)) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			if c, err := websocket.Accept(w, req, opts); err == nil {
				serve(c)
			}
		}))
		t.Cleanup(func() { srv.CloseClientConnections(); srv.Close() })
		return "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws"
	}
	loopOpts := websocket.Options{Serializers: serializers, WS: &ws.Options{}}
	addr, _ := wsconf.StartLoop(t, &wsloop.Server{Handler: b.LoopHandler(loopOpts), Options: loopOpts.WS, Config: eventloop.Config{Loops: 1}})
	urls := map[string]string{
		"a attach": httpServer(func(c *websocket.Conn) { _ = a.Attach(c) }),
		"b serve":  httpServer(func(c *websocket.Conn) { _ = b.ServeTransport(context.Background(), c) }),
		"b loop":   "ws://" + addr.String() + "/ws",
	}
	dial := func(name string) wamp.Transport {
		c, err := websocket.Dial(ctxT(t), urls[name], websocket.Options{Serializers: []wamp.Serializer{json.Serializer{}}})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	s, err := joinOn(t, dial("a attach"), "alice", &client.Ticket{Ticket: "alice-t"})
	wantWelcome(t, s, err, "alice", "a-user", "ticket", "static")
	_, err = joinOn(t, dial("a attach"), "", nil)
	wantAbort(t, err, wamp.ErrNotAuthorized)
	for _, name := range []string{"b serve", "b loop"} {
		_, err = joinOn(t, dial(name), "alice", &client.Ticket{Ticket: "alice-t"})
		wantAbort(t, err, wamp.ErrAuthenticationFailed)
		waitFor(t, name+": the refused session to be gone", func() bool { return b.Sessions() == 0 })
		s, err := joinOn(t, dial(name), "", nil)
		if err != nil || s.Details()["authrole"] != "guest" {
			t.Fatalf("%s: anonymous: %v", name, err)
		}
		refused := b.Refused()
		_, err = joinOn(t, dial(name), "", nil) // b's one place is taken
		wantAbort(t, err, router.ReasonEndpointFull)
		if b.Refused() != refused+1 {
			t.Fatalf("%s: Refused = %d, want %d", name, b.Refused(), refused+1)
		}
		s.Close()
		waitFor(t, name+": b's count to drop", func() bool { return b.Sessions() == 0 })
	}
}

// TestEndpointReload: Reload replaces endpoints' principals, and refuses
// endpoints added or removed (nothing changes then).
func TestEndpointReload(t *testing.T) {
	var cfg router.Config
	r := endpointRouter(t, func(c *router.Config) { cfg = *c })
	a := r.Endpoint("a")
	next := cfg
	next.Endpoints = map[string]router.EndpointConfig{
		"a": {Realms: map[wamp.URI]router.AuthConfig{realm1: {
			Tickets: map[string]router.TicketPrincipal{"alice": {Ticket: "new-t", Role: "a-user"}}}}},
		"b": cfg.Endpoints["b"], "none": {},
	}
	bad := next
	bad.Endpoints = map[string]router.EndpointConfig{"a": next.Endpoints["a"], "b": {}}
	if err := r.Reload(bad); err == nil || !strings.Contains(err.Error(), `endpoints ["none"] are missing`) {
		t.Fatalf("Reload without an endpoint: %v", err)
	}
	bad.Endpoints = map[string]router.EndpointConfig{"a": {}, "b": {}, "none": {}, "new": {}}
	if err := r.Reload(bad); err == nil || !strings.Contains(err.Error(), `endpoint "new" is new`) {
		t.Fatalf("Reload with a new endpoint: %v", err)
	}
	if _, err := joinOn(t, a.Connect(), "alice", &client.Ticket{Ticket: "alice-t"}); err != nil {
		t.Fatalf("after failed reloads: %v", err)
	}
	if err := r.Reload(next); err != nil {
		t.Fatal(err)
	}
	_, err := joinOn(t, a.Connect(), "alice", &client.Ticket{Ticket: "alice-t"})
	wantAbort(t, err, wamp.ErrAuthenticationFailed)
	_, err = joinOn(t, a.Connect(), "cora", &client.CRA{Secret: "cora-s"})
	wantAbort(t, err, wamp.ErrNoAuthMethod)
	if _, err := joinOn(t, a.Connect(), "alice", &client.Ticket{Ticket: "new-t"}); err != nil {
		t.Fatalf("after the reload: %v", err)
	}
}

func TestEndpointConfigErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		ep   router.EndpointConfig
		want string
	}{
		{"negative max", router.EndpointConfig{MaxSessions: -1}, `endpoint "e": negative MaxSessions (-1)`},
		{"unknown realm", router.EndpointConfig{Realms: map[wamp.URI]router.AuthConfig{"nope": {}}}, `endpoint "e": realm "nope" is not configured`},
		{"bad principal", router.EndpointConfig{Realms: map[wamp.URI]router.AuthConfig{realm1: {
			CRA: map[string]router.CRAPrincipal{"x": {}}}}}, `endpoint "e": realm "realm1": wampcra principal "x": wampcra principal without secret`},
		{"bad dynamic method", router.EndpointConfig{Realms: map[wamp.URI]router.AuthConfig{realm1: {
			Authenticators: map[string]router.Authenticator{"anonymous": nil}}}}, `no dynamic authentication for authmethod "anonymous"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := router.New(router.Config{Realms: []router.RealmConfig{{Name: realm1}},
				Endpoints: map[string]router.EndpointConfig{"e": c.ep}})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("New: %v, want %q", err, c.want)
			}
		})
	}
}
