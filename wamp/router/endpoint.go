package router

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/serialize/msgpack"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
	"github.com/autobahn-go/autobahn/ws"
)

// ReasonEndpointFull is the ABORT reason of a HELLO on a connection that
// came through an endpoint with EndpointConfig.MaxSessions sessions
// already (this router's URI, as ReasonRealmFull is).
const ReasonEndpointFull wamp.URI = "wamp.error.endpoint_full"

// AuthConfig is how an endpoint authenticates the sessions of one realm:
// the fields of RealmConfig of the same names, with the same meaning.
type AuthConfig struct {
	AllowAnonymous bool
	AnonymousRole  string
	Tickets        map[string]TicketPrincipal
	CRA            map[string]CRAPrincipal
	SCRAM          map[string]SCRAMPrincipal
	Cryptosign     map[string]CryptosignPrincipal
	Authenticators map[string]Authenticator
}

// EndpointConfig configures a named endpoint (Config.Endpoints): a
// listener's own authentication, as a Crossbar transport's "auth" is, and
// its bound on sessions. A session attached through the endpoint
// (Router.Endpoint) is authenticated by the endpoint's AuthConfig for the
// realm it joins, never by the realm's own authentication fields nor by
// another endpoint's: principals of one endpoint are unknown on every
// other. Authorization (RealmConfig.Roles) stays the realm's.
type EndpointConfig struct {
	// Realms is the authentication per realm name; a HELLO for a realm
	// not listed gets ABORT wamp.error.no_such_realm. Every name must be
	// one of Config.Realms.
	Realms map[wamp.URI]AuthConfig
	// MaxSessions bounds the sessions attached through the endpoint at
	// once, joined or not, from Attach (or the loop's OnOpen) until they
	// end (their GOODBYE or ABORT is queued; the transport is closed
	// within Config.CloseTimeout after): past it the connection's HELLO
	// gets ABORT ReasonEndpointFull (and Endpoint.Refused counts it).
	// Zero means no bound; negative is an error. Router.Reload may
	// change it: lowering it ends no session, it refuses new ones until
	// the count is below the new bound.
	MaxSessions int
	// Listener, when not empty, names the listener the endpoint is
	// served on: the endpoints of one Listener (the URL paths of one
	// port, each with its own authentication) count their sessions
	// together, and MaxSessions bounds that sum, so they must have the
	// same MaxSessions. Endpoint.Sessions still counts the endpoint's
	// own. Reload may not move an endpoint to another Listener.
	Listener string
}

// Endpoint attaches sessions that its EndpointConfig authenticates. Get
// one with Router.Endpoint; it is safe for concurrent use.
type Endpoint struct {
	r        *Router
	name     string
	listener string
	// count is what MaxSessions bounds: the endpoint's own, or shared by
	// the endpoints of its Listener.
	count *sessionCount
	// realms is the compiled per-realm authentication (the RealmConfig
	// fields auth.go reads), replaced whole by Router.Reload.
	realms  atomic.Pointer[map[wamp.URI]*RealmConfig]
	n       atomic.Int64 // the endpoint's own sessions counted (Sessions)
	refused atomic.Uint64
}

// sessionCount is the sessions of an endpoint, or of a listener's
// endpoints, and their bound (EndpointConfig.MaxSessions; 0: none).
type sessionCount struct {
	n   atomic.Int64
	max atomic.Int64
}

// sessionCounts makes the counts of cfg's endpoints: one per Listener,
// one per endpoint without; endpoints of a Listener must agree on
// MaxSessions. For Reload, old is the endpoints' current counts (nil at
// New): a Listener keeps its endpoints, and their count.
func sessionCounts(cfg map[string]EndpointConfig, old map[string]*Endpoint) (map[string]*sessionCount, error) {
	names := make([]string, 0, len(cfg))
	for name := range cfg {
		names = append(names, name)
	}
	slices.Sort(names) // the same error for the same configuration
	out := make(map[string]*sessionCount, len(cfg))
	first := map[string]string{} // listener → its first endpoint
	for _, name := range names {
		ec := cfg[name]
		if e := old[name]; e != nil && e.listener != ec.Listener {
			return nil, fmt.Errorf("wamp/router: reload: endpoint %q: Listener %q, was %q (moving endpoints needs a restart)", name, ec.Listener, e.listener)
		}
		if ec.Listener == "" {
			out[name] = &sessionCount{}
		} else if f, ok := first[ec.Listener]; !ok {
			first[ec.Listener] = name
			out[name] = &sessionCount{}
		} else if cfg[f].MaxSessions != ec.MaxSessions {
			return nil, fmt.Errorf("wamp/router: endpoint %q: MaxSessions %d differs from %d of endpoint %q on the same Listener %q",
				name, ec.MaxSessions, cfg[f].MaxSessions, f, ec.Listener)
		} else {
			out[name] = out[f]
		}
		if e := old[name]; e != nil {
			out[name] = e.count // its sessions stay counted; Reload stores the bound once all is checked
			continue
		}
		out[name].max.Store(int64(ec.MaxSessions))
	}
	return out, nil
}

// compileEndpoint checks ec and compiles its authentication.
func (r *Router) compileEndpoint(name string, ec EndpointConfig) (map[wamp.URI]*RealmConfig, error) {
	bad := func(err error) error {
		return fmt.Errorf("wamp/router: endpoint %q: %s", name, strings.TrimPrefix(err.Error(), "wamp/router: "))
	}
	if ec.MaxSessions < 0 {
		return nil, bad(fmt.Errorf("negative MaxSessions (%d)", ec.MaxSessions))
	}
	out := make(map[wamp.URI]*RealmConfig, len(ec.Realms))
	for realm, ac := range ec.Realms {
		if r.realms[realm] == nil {
			return nil, bad(fmt.Errorf("realm %q is not configured", realm))
		}
		rc := &RealmConfig{Name: realm, AllowAnonymous: ac.AllowAnonymous, AnonymousRole: ac.AnonymousRole,
			Tickets: ac.Tickets, CRA: ac.CRA, SCRAM: ac.SCRAM, Cryptosign: ac.Cryptosign, Authenticators: ac.Authenticators}
		ra, err := compileAuth(rc)
		if err != nil {
			return nil, bad(err)
		}
		rc.auth = ra
		out[realm] = rc
	}
	return out, nil
}

// initEndpoints makes the endpoints of cfg (New).
func (r *Router) initEndpoints(cfg map[string]EndpointConfig) error {
	r.endpoints = make(map[string]*Endpoint, len(cfg))
	counts, err := sessionCounts(cfg, nil)
	if err != nil {
		return err
	}
	for name, ec := range cfg {
		realms, err := r.compileEndpoint(name, ec)
		if err != nil {
			return err
		}
		e := &Endpoint{r: r, name: name, listener: ec.Listener, count: counts[name]}
		e.realms.Store(&realms)
		r.endpoints[name] = e
	}
	return nil
}

// reloadEndpoints compiles the endpoints' new authentication and returns
// what stores it and their MaxSessions (Router.Reload): cfg must name the
// same endpoints, on the same Listeners.
func (r *Router) reloadEndpoints(cfg map[string]EndpointConfig) (func(), error) {
	compiled := make(map[*Endpoint]map[wamp.URI]*RealmConfig, len(cfg))
	for name, ec := range cfg {
		e := r.endpoints[name]
		if e == nil {
			return nil, fmt.Errorf("wamp/router: reload: endpoint %q is new (adding endpoints needs a restart)", name)
		}
		realms, err := r.compileEndpoint(name, ec)
		if err != nil {
			return nil, err
		}
		compiled[e] = realms
	}
	var missing []string
	for name := range r.endpoints {
		if _, ok := cfg[name]; !ok {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return nil, fmt.Errorf("wamp/router: reload: endpoints %q are missing (removing endpoints needs a restart)", missing)
	}
	if _, err := sessionCounts(cfg, r.endpoints); err != nil {
		return nil, err
	}
	return func() {
		for e, realms := range compiled {
			e.realms.Store(&realms)
			// The endpoints of a Listener share e.count and agree on it.
			e.count.max.Store(int64(cfg[e.name].MaxSessions))
		}
	}, nil
}

// Endpoint returns the endpoint configured as name in Config.Endpoints,
// nil if there is none.
func (r *Router) Endpoint(name string) *Endpoint {
	return r.endpoints[name]
}

// Name returns the endpoint's name in Config.Endpoints.
func (e *Endpoint) Name() string { return e.name }

// Sessions returns how many sessions the endpoint counts now (see
// EndpointConfig.MaxSessions): its own, not its Listener's.
func (e *Endpoint) Sessions() int { return int(e.n.Load()) }

// Refused returns how many connections the endpoint has refused for
// being past its MaxSessions (its Listener's, if any).
func (e *Endpoint) Refused() uint64 { return e.refused.Load() }

// Attach is Router.Attach through the endpoint.
func (e *Endpoint) Attach(t wamp.Transport) error {
	s, err := e.r.newSession(t)
	if err != nil {
		t.Close()
		return err
	}
	e.bind(s)
	go s.attached()
	return nil
}

// ServeTransport is Router.ServeTransport through the endpoint.
func (e *Endpoint) ServeTransport(ctx context.Context, t wamp.Transport) error {
	s, err := e.r.newSession(t)
	if err != nil {
		t.Close()
		return err
	}
	e.bind(s)
	defer e.r.wg.Done()
	s.serve(ctx)
	return nil
}

// Connect is Router.Connect through the endpoint.
func (e *Endpoint) Connect() wamp.Transport {
	a, b := Pipe(0)
	if err := e.Attach(b); err != nil {
		a.Close()
	}
	return a
}

// LoopHandler is Router.LoopHandler through the endpoint.
func (e *Endpoint) LoopHandler(opts websocket.Options) ws.Handler {
	if len(opts.Serializers) == 0 {
		opts.Serializers = []wamp.Serializer{json.Serializer{}, msgpack.Serializer{}, cbor.Serializer{}}
	}
	return websocket.LoopReceiver(opts, endpointLoop{loopReceiver{e.r}, e})
}

// endpointLoop is loopReceiver binding its sessions to an endpoint.
type endpointLoop struct {
	loopReceiver
	e *Endpoint
}

func (h endpointLoop) OnOpen(c *websocket.Conn) {
	h.loopReceiver.OnOpen(c)
	// On the loop goroutine, before any OnMessage: the HELLO sees it.
	if s, ok := c.Data().(*session); ok {
		h.e.bind(s)
	}
}

// session.epState: whether the session's endpoint counts it.
const (
	epNone    uint32 = iota // no endpoint, or no longer counted
	epCounted               // counted in Endpoint.n
	epFull                  // refused: the endpoint was full
)

// bind makes s a session of e, counted unless e is full; before s reads
// anything (its reader, or the loop's OnMessage, starts after).
func (e *Endpoint) bind(s *session) {
	s.ep = e
	c := e.count
	for {
		n := c.n.Load()
		if bound := c.max.Load(); bound > 0 && n >= bound {
			e.refused.Add(1)
			s.epState.Store(epFull)
			return
		}
		if c.n.CompareAndSwap(n, n+1) {
			e.n.Add(1)
			s.epState.Store(epCounted)
			return
		}
	}
}

// leaveEndpoint uncounts s once it ends: closeQueue calls it before the
// final GOODBYE or ABORT is queued, so a client that has seen its session
// end finds its place free; Router.forget calls it again, a no-op.
func (s *session) leaveEndpoint() {
	if s.epState.CompareAndSwap(epCounted, epNone) {
		s.ep.n.Add(-1)
		s.ep.count.n.Add(-1)
	}
}

// authConfig returns the authentication s follows in rm: its endpoint's
// for rm (nil when the endpoint does not serve rm), or rm's own.
func (s *session) authConfig(rm *realm) *RealmConfig {
	if s.ep == nil {
		return rm.authn.Load() // replaced by Router.Reload
	}
	return (*s.ep.realms.Load())[rm.cfg.Name]
}

// endpointRefusal is the ABORT of a HELLO that s's endpoint refuses
// before authentication, if any; cfg is s.authConfig(rm).
func (s *session) endpointRefusal(rm *realm, cfg *RealmConfig) (wamp.URI, string, bool) {
	switch e := s.ep; {
	case e == nil:
		return "", "", false
	case s.epState.Load() == epFull:
		if e.listener != "" {
			return ReasonEndpointFull, fmt.Sprintf("listener %s of endpoint %s has its maximum of %d sessions", e.listener, e.name, e.count.max.Load()), true
		}
		return ReasonEndpointFull, fmt.Sprintf("endpoint %s has its maximum of %d sessions", e.name, e.count.max.Load()), true
	case cfg == nil:
		return wamp.ErrNoSuchRealm, fmt.Sprintf("no realm %s on endpoint %s", rm.cfg.Name, e.name), true
	}
	return "", "", false
}
