package router

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
)

// Defaults of Config.
const (
	DefaultHelloTimeout   = 10 * time.Second
	DefaultCloseTimeout   = 2 * time.Second
	DefaultQueueSoftLimit = 1 << 20
)

// maxQueueSoftLimit bounds Config.QueueSoftLimit and
// RealmConfig.QueueSoftLimit: the hard limit is twice the soft one (past
// it, math.MaxInt as "no bound" made the hard limit negative, and every
// session with a reply queued behind another was closed for overflow).
const maxQueueSoftLimit = math.MaxInt / 2

// ReasonQueueOverflow is the GOODBYE reason (and log reason) of a session
// the router closes because it does not read what is sent to it: replies
// past the hard limit of its outbound queue, or events past the soft limit
// under SlowDisconnect.
const ReasonQueueOverflow wamp.URI = "wamp.close.system_overload"

// DefaultMaxSessions is RealmConfig.MaxSessions when it is zero: ten
// times the largest realm the router is benchmarked with (10,000 idle
// sessions). An idle session holds about 3 KB on the event loop and 12 KB
// on goroutines (BENCHMARKS.md), so the bound is about 0.3 to 1.2 GB of
// sessions. The descriptors a process may open bound network sessions
// too; this bounds in-process ones (Router.Connect) as well.
const DefaultMaxSessions = 100_000

// ReasonRealmFull is the ABORT reason of a HELLO to a realm that has
// RealmConfig.MaxSessions sessions already (this router's URI: the spec
// has none for it).
const ReasonRealmFull wamp.URI = "wamp.error.realm_full"

// ErrClosed is returned by Attach and ServeTransport once Close was called.
var ErrClosed = errors.New("wamp/router: router closed")

// SlowPolicy says what happens to an EVENT for a subscriber whose outbound
// queue is over its soft limit.
type SlowPolicy uint8

const (
	// SlowDisconnect closes the subscriber's session with
	// ReasonQueueOverflow (and logs it). The default.
	SlowDisconnect SlowPolicy = iota
	// SlowDrop drops the event for that subscriber; drops are counted per
	// session (SessionInfo.Dropped) and logged once per run of drops.
	SlowDrop
)

// TicketPrincipal is a user of ticket authentication.
type TicketPrincipal struct {
	Ticket string // required: New and Reload refuse an empty one
	Role   string // authrole; empty means "user"
}

// RealmConfig configures one realm.
type RealmConfig struct {
	// Name is the realm's URI, as clients name it in HELLO.
	Name wamp.URI
	// AllowAnonymous lets clients join without authentication (authmethod
	// "anonymous", the default when HELLO offers none). AnonymousRole is
	// their authrole; empty means "anonymous". Their authid is generated
	// ("anonymous-" and a number): the one HELLO claims is ignored.
	AllowAnonymous bool
	AnonymousRole  string
	// Tickets enables ticket authentication: authid → principal.
	Tickets map[string]TicketPrincipal
	// CRA, SCRAM and Cryptosign enable WAMP-CRA ("wampcra"), WAMP-SCRAM
	// ("scram") and WAMP-cryptosign: authid → principal (auth.go).
	CRA        map[string]CRAPrincipal
	SCRAM      map[string]SCRAMPrincipal
	Cryptosign map[string]CryptosignPrincipal
	// Authenticators enables dynamic authentication: authmethod ("ticket",
	// "wampcra", "scram", "cryptosign") → Authenticator, which takes the
	// place of the method's static principals.
	Authenticators map[string]Authenticator
	// StrictURI checks procedure and topic URIs with the strict rules
	// ([0-9a-z_] components) instead of the loose ones. Either way a URI
	// longer than 8,192 octets is invalid.
	StrictURI bool
	// SlowSubscriber is the policy for events to subscribers over their
	// queue's soft limit.
	SlowSubscriber SlowPolicy
	// QueueSoftLimit is the soft limit of the outbound queue of the
	// realm's sessions from their WELCOME on (before, the router's), in
	// estimated encoded octets; the hard limit is twice as much. Zero
	// means Config.QueueSoftLimit; negative, or more than
	// math.MaxInt/2, is an error.
	QueueSoftLimit int
	// MaxSessions bounds the sessions joined to the realm at once: past
	// it a HELLO gets ABORT ReasonRealmFull (logged, and counted in
	// Stats.Closed), before its authentication is paid for (a dynamic
	// Authenticator, a key derivation); an AUTHENTICATE gets it when the
	// realm has filled since its CHALLENGE, and so does the join after
	// authentication. Zero means DefaultMaxSessions; negative means no
	// bound.
	MaxSessions int
	// MaxPendingCalls, MaxSubscriptions and MaxRegistrations bound what
	// one session holds at once (limits_session.go): its calls in flight
	// as a caller, its subscriptions, its registrations. Past a bound the
	// CALL, SUBSCRIBE or REGISTER gets ERROR ErrLimitExceeded and the
	// session goes on. Zero means DefaultMaxPendingCalls (1,000),
	// DefaultMaxSubscriptions or DefaultMaxRegistrations (5,000 each);
	// negative means no bound.
	MaxPendingCalls  int
	MaxSubscriptions int
	MaxRegistrations int
	// CallTrustLevels assigns a trust level to the caller's authrole
	// (WAMP spec, "Call Trust Levels"): the INVOCATIONs of its calls carry
	// Details.trustlevel. Roles not listed get none.
	CallTrustLevels map[string]int
	// PublicationTrustLevels assigns a trust level to the publisher's
	// authrole (WAMP spec, "Publication Trust Levels"): the EVENTs of its
	// publications carry Details.trustlevel. Roles not listed get none.
	PublicationTrustLevels map[string]int
	// RetainedTopics bounds how many topics keep a retained event (PUBLISH
	// retain); zero means DefaultRetainedTopics, negative turns event
	// retention off. RetainedBytes bounds their estimated size together;
	// zero or less means DefaultRetainedBytes. At a bound a new retained
	// event is declined (see retain.go): the publication is delivered as
	// usual.
	RetainedTopics int
	RetainedBytes  int
	// EventHistory lists the topics whose events the realm keeps in an
	// in-memory ring (Crossbar's store "event-history"), for
	// wamp.subscription.get_events.
	EventHistory []EventHistoryConfig

	// Roles authorize what sessions do by their authrole (authorize.go):
	// static permissions or an Authorizer per role. A realm with no roles
	// allows every action to every session; a realm with roles refuses
	// to join sessions of other roles (wamp.error.no_such_role) and
	// denies what no permission allows.
	Roles []RoleConfig

	auth *realmAuth // the decoded principals, set by New
}

// Config configures a Router.
type Config struct {
	// Realms the router serves; at least one.
	Realms []RealmConfig
	// HelloTimeout bounds the time from attaching a transport to WELCOME
	// (HELLO and authentication); zero means DefaultHelloTimeout.
	HelloTimeout time.Duration
	// CloseTimeout bounds how long a closing session may take to write
	// what is queued and its GOODBYE or ABORT before its transport is
	// closed; zero means DefaultCloseTimeout.
	CloseTimeout time.Duration
	// QueueSoftLimit is the soft limit of every session's outbound queue,
	// in estimated encoded octets; the hard limit is twice as much. Zero
	// means DefaultQueueSoftLimit; more than math.MaxInt/2 is an error.
	QueueSoftLimit int
	// Logger receives the router's diagnostics; nil discards them.
	Logger *slog.Logger
	// Fabric, when set, federates the realms with other routers'
	// (fabric.go); New starts it.
	Fabric Fabric
	// Endpoints are named endpoints with authentication of their own,
	// in place of the realms' (endpoint.go): transports attached through
	// Router.Endpoint(name) follow Endpoints[name].
	Endpoints map[string]EndpointConfig
	// PanicCrash lets a panic in an Authenticator or an Authorizer crash
	// the process, as an unrecovered panic does (for debugging). By
	// default the router recovers it: that one HELLO is refused (ABORT
	// wamp.error.authentication_failed) or that one action denied
	// (wamp.error.authorization_failed), the panic is logged with its
	// stack and counted (Stats.Panics), and the other sessions go on.
	PanicCrash bool
}

// Router is a WAMP router: broker and dealer for the sessions of its
// realms. It is safe for concurrent use.
type Router struct {
	cfg    Config
	soft   int
	hard   int
	log    *slog.Logger
	realms map[wamp.URI]*realm
	// endpoints are Config.Endpoints (endpoint.go); read-only after New.
	endpoints map[string]*Endpoint
	ids       wamp.IDGen // router scope: subscriptions, registrations, invocations

	reloadMu sync.Mutex // one Reload at a time

	mu       sync.Mutex
	closed   bool
	sessions map[*session]struct{}
	wg       sync.WaitGroup

	stats routerStats // stats.go
	scram scramCache  // auth_scramcache.go: dynamic principals' Passwords
}

// New returns a router serving cfg.Realms.
func New(cfg Config) (*Router, error) {
	if len(cfg.Realms) == 0 {
		return nil, errors.New("wamp/router: no realms configured")
	}
	if cfg.HelloTimeout <= 0 {
		cfg.HelloTimeout = DefaultHelloTimeout
	}
	if cfg.CloseTimeout <= 0 {
		cfg.CloseTimeout = DefaultCloseTimeout
	}
	if cfg.QueueSoftLimit <= 0 {
		cfg.QueueSoftLimit = DefaultQueueSoftLimit
	}
	if cfg.QueueSoftLimit > maxQueueSoftLimit {
		return nil, fmt.Errorf("wamp/router: QueueSoftLimit %d is more than %d (the hard limit, twice it, must be an int)", cfg.QueueSoftLimit, maxQueueSoftLimit)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &Router{
		cfg: cfg, soft: cfg.QueueSoftLimit, hard: 2 * cfg.QueueSoftLimit, log: log,
		realms: map[wamp.URI]*realm{}, sessions: map[*session]struct{}{},
	}
	for _, rc := range cfg.Realms {
		if !wamp.ValidURI(rc.Name, false, wamp.MatchExact) {
			return nil, fmt.Errorf("wamp/router: invalid realm name %q", rc.Name)
		}
		if _, dup := r.realms[rc.Name]; dup {
			return nil, fmt.Errorf("wamp/router: realm %q configured twice", rc.Name)
		}
		if rc.QueueSoftLimit < 0 {
			return nil, fmt.Errorf("wamp/router: realm %q: negative QueueSoftLimit (%d)", rc.Name, rc.QueueSoftLimit)
		}
		if rc.QueueSoftLimit > maxQueueSoftLimit {
			return nil, fmt.Errorf("wamp/router: realm %q: QueueSoftLimit %d is more than %d (the hard limit, twice it, must be an int)", rc.Name, rc.QueueSoftLimit, maxQueueSoftLimit)
		}
		ra, err := compileAuth(&rc)
		if err != nil {
			return nil, err
		}
		rc.auth = ra
		az, err := compileRoles(&rc) // authorize.go
		if err != nil {
			return nil, err
		}
		if err := checkBrokerConfig(&rc); err != nil { // retain.go, history.go
			return nil, err
		}
		rm := newRealm(r, rc)
		rm.authn.Store(&rc)
		rm.authz.Store(az)
		r.realms[rc.Name] = rm
	}
	if err := r.initEndpoints(cfg.Endpoints); err != nil { // endpoint.go
		return nil, err
	}
	if cfg.Fabric != nil {
		if err := cfg.Fabric.Start(&FabricLink{r: r}); err != nil {
			return nil, fmt.Errorf("wamp/router: starting the fabric: %w", err)
		}
	}
	return r, nil
}

// Attach serves one session over t on goroutines of its own (a reader,
// and a writer while there is something to send) and returns at once. The
// router owns t from then on and closes it when the session ends.
func (r *Router) Attach(t wamp.Transport) error {
	s, err := r.newSession(t)
	if err != nil {
		t.Close()
		return err
	}
	go s.attached()
	return nil
}

// ServeTransport serves one session over t in the calling goroutine (and
// a writer goroutine while there is something to send) until the session
// ends; when ctx ends first, the
// session is closed with GOODBYE wamp.close.system_shutdown. The router
// owns t and closes it. In a net/http handler, prefer Attach: the handler
// returns, and net/http's connection goroutine and the buffers it holds
// while the handler runs (8 KiB) are freed for as long as the session
// lasts.
func (r *Router) ServeTransport(ctx context.Context, t wamp.Transport) error {
	s, err := r.newSession(t)
	if err != nil {
		t.Close()
		return err
	}
	defer r.wg.Done()
	s.serve(ctx)
	return nil
}

// Connect returns the client end of an in-memory transport (Pipe) whose
// other end is attached to the router: join it with wamp/client.Join, no
// socket involved. If the router is closed, the transport is closed too.
func (r *Router) Connect() wamp.Transport {
	a, b := Pipe(0)
	if err := r.Attach(b); err != nil {
		a.Close()
	}
	return a
}

func (r *Router) newSession(t wamp.Transport) (*session, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, ErrClosed
	}
	s := newSession(r, t)
	r.sessions[s] = struct{}{}
	r.wg.Add(1)
	return s, nil
}

func (r *Router) forget(s *session) {
	r.mu.Lock()
	delete(r.sessions, s)
	r.mu.Unlock()
	s.leaveEndpoint() // endpoint.go (once the session ended: a no-op)
}

// Close ends every session (GOODBYE wamp.close.system_shutdown, or ABORT
// for sessions not yet joined), refuses new ones and waits until every
// session's goroutines have ended (on the event loop: until the loop
// reported each session's connection closed). A session's transport is
// closed once the client answered the GOODBYE, or after
// Config.CloseTimeout. When ctx ends first, the remaining transports are
// closed without waiting for their writes (a WebSocket without waiting
// for its peer's close frame), and Close returns ctx.Err() once the
// goroutines have ended.
func (r *Router) Close(ctx context.Context) error {
	r.mu.Lock()
	r.closed = true
	all := make([]*session, 0, len(r.sessions))
	for s := range r.sessions {
		all = append(all, s)
	}
	r.mu.Unlock()
	for _, s := range all {
		s.shutdown(wamp.ErrSystemShutdown, "router closing")
	}
	done := make(chan struct{})
	go func() { r.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
	}
	r.mu.Lock()
	rest := make([]*session, 0, len(r.sessions))
	for s := range r.sessions {
		rest = append(rest, s)
	}
	r.mu.Unlock()
	// Outside the lock and all at once: a goroutine transport's Close may
	// wait (RawSocket lets its queue drain for a while), and one held by
	// the lock, or behind another, would add up past ctx. A WebSocket on
	// goroutines is dropped first: its Close would wait
	// ws.Options.CloseTimeout for a close frame its peer may never send.
	// (On the event loop abandon never waits.)
	var abandoned sync.WaitGroup
	for _, s := range rest {
		g := s.onGo()
		if g == nil {
			s.abandon()
			continue
		}
		if c, ok := g.t.(*websocket.Conn); ok {
			_ = c.WS().CloseNow()
		}
		abandoned.Go(s.abandon)
	}
	abandoned.Wait()
	<-done
	return ctx.Err()
}

// SessionInfo describes a joined session.
type SessionInfo struct {
	ID       wamp.ID
	Realm    wamp.URI
	AuthID   string
	AuthRole string
	// Queued is the estimated size of what waits in its outbound queue.
	Queued int
	// Dropped counts the events not delivered to it: dropped under
	// SlowDrop, or larger than its transport takes (Stats.EventsDropped
	// counts them for all sessions).
	Dropped uint64
	// PendingCalls, Subscriptions and Registrations are what it holds
	// against RealmConfig.MaxPendingCalls, MaxSubscriptions and
	// MaxRegistrations: its calls in flight as a caller, its
	// subscriptions, its registrations.
	PendingCalls, Subscriptions, Registrations int
}

// Session returns what the router knows of the joined session id in realm.
func (r *Router) Session(realm wamp.URI, id wamp.ID) (SessionInfo, bool) {
	rm := r.realms[realm]
	if rm == nil {
		return SessionInfo{}, false
	}
	rm.mu.Lock()
	s := rm.sessions[id]
	var calls, subs, regs int
	if s != nil {
		calls, subs, regs = len(s.calls), len(s.subs), len(s.regs)
	}
	rm.mu.Unlock()
	if s == nil {
		return SessionInfo{}, false
	}
	return SessionInfo{
		ID: id, Realm: realm, AuthID: s.authid, AuthRole: s.authrole,
		Queued: s.q.queuedBytes(), Dropped: s.dropped.Load(),
		PendingCalls: calls, Subscriptions: subs, Registrations: regs,
	}, true
}

// SessionCount returns how many sessions have joined realm and not left.
func (r *Router) SessionCount(realm wamp.URI) int {
	rm := r.realms[realm]
	if rm == nil {
		return 0
	}
	rm.mu.Lock()
	defer rm.mu.Unlock()
	return len(rm.sessions)
}
