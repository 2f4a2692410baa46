package router

import (
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/autobahn-go/autobahn/wamp"
)

// realm holds the sessions, registrations and subscriptions of one realm.
// One mutex guards all of it: a message is handled, and every message it
// causes is queued, under the lock, which is what keeps the order the
// spec asks for (per publisher and subscriber, SUBSCRIBED before the
// subscription's first EVENT, REGISTERED before the first INVOCATION).
//
// Lock order: realm.mu, then a session's outQueue.mu. Nothing under
// realm.mu waits for a transport.
type realm struct {
	r   *Router
	cfg RealmConfig
	log *slog.Logger
	// soft and hard are the outbound queue limits of the realm's
	// sessions: RealmConfig.QueueSoftLimit or the router's, and twice it.
	soft, hard int
	// maxSessions is RealmConfig.MaxSessions resolved (never zero).
	maxSessions int

	mu       sync.Mutex
	sessions map[wamp.ID]*session
	doomed   []*session // closed while the lock was held, to be removed before it is let go

	regs    *uriIndex[*registration]
	regByID map[wamp.ID]*registration
	subs    *uriIndex[*subscription]
	subByID map[wamp.ID]*subscription
	retain  retainStore   // retain.go
	limits  sessionLimits // limits_session.go
	meta    metaState     // meta.go
	invFree []*invocation // finished plain calls' invocations, for the next CALLs (dealer_recycle.go)
	// invMsg and resMsg: the INVOCATION and RESULT of a plain call to a
	// session on the event loop, reused (dealer_scratch.go)
	invMsg wamp.Invocation
	resMsg wamp.Result

	// authn (the realm's config as authentication reads it) and authz
	// (its compiled roles) are replaced whole by Router.Reload.
	authn atomic.Pointer[RealmConfig]
	authz atomic.Pointer[authorization]
}

func newRealm(r *Router, cfg RealmConfig) *realm {
	rm := &realm{
		r: r, cfg: cfg, log: r.log.With("realm", string(cfg.Name)),
		sessions: map[wamp.ID]*session{},
		regs:     newURIIndex[*registration](), regByID: map[wamp.ID]*registration{},
		subs: newURIIndex[*subscription](), subByID: map[wamp.ID]*subscription{},
		soft: r.soft, hard: r.hard, limits: sessionLimitsOf(cfg),
		maxSessions: resolveLimit(cfg.MaxSessions, DefaultMaxSessions), // limits_session.go
	}
	if cfg.QueueSoftLimit > 0 {
		rm.soft, rm.hard = cfg.QueueSoftLimit, 2*cfg.QueueSoftLimit
	}
	rm.retain.init(cfg)
	rm.initMeta()    // meta.go
	rm.initHistory() // history.go
	return rm
}

func (rm *realm) lock() { rm.mu.Lock() }

// unlock removes the sessions closed while the lock was held (which may
// close more), then lets the lock go.
func (rm *realm) unlock() {
	for len(rm.doomed) > 0 {
		s := rm.doomed[len(rm.doomed)-1]
		rm.doomed = rm.doomed[:len(rm.doomed)-1]
		rm.removeLocked(s)
	}
	rm.mu.Unlock()
}

// brokerFeatures and dealerFeatures are what WELCOME announces: what is
// implemented and tested (meta.go adds the meta API's).
var (
	brokerFeatures = []string{"publisher_exclusion", "subscriber_blackwhite_listing", "publisher_identification", "pattern_based_subscription",
		"event_retention", "event_history", "subscription_revocation", "publication_trustlevels", "payload_passthru_mode"}
	dealerFeatures = []string{"progressive_call_results", "caller_identification", "pattern_based_registration", "shared_registration", "call_canceling",
		"call_timeout", "progressive_call_invocations", "call_reroute", "registration_revocation", "call_trustlevels", "payload_passthru_mode"}
)

func featureDict(names []string) wamp.Dict {
	f := wamp.Dict{}
	for _, n := range names {
		f[n] = true
	}
	return wamp.Dict{"features": f}
}

func (rm *realm) join(s *session) bool {
	rm.lock()
	defer rm.unlock()
	if s.q.isClosed() {
		return false
	}
	if _, dup := rm.sessions[s.id]; dup {
		// 2^-53 per pair; refuse rather than mix two sessions up.
		s.closeQueue(&wamp.Abort{Details: wamp.Dict{"message": "session ID collision"}, Reason: wamp.ErrSystemShutdown}, false)
		return false
	}
	if msg, full := rm.fullLocked(); full {
		rm.log.Info("wamp/router: join refused", "reason", ReasonRealmFull, "message", msg)
		s.closeQueue(&wamp.Abort{Details: wamp.Dict{"message": msg}, Reason: ReasonRealmFull}, false)
		return false
	}
	// s.subs, regs, calls and invs are made on first use (session.go).
	rm.sessions[s.id] = s
	switch q := s.q.(type) { // the realm's limits from WELCOME on
	case *goOut:
		q.setLimits(rm.soft, rm.hard)
	case *loopOut:
		q.setLimits(rm.soft, rm.hard)
	}
	w := &wamp.Welcome{Session: s.id, Details: wamp.Dict{
		"realm": string(rm.cfg.Name), "authid": s.authid, "authrole": s.authrole,
		"authmethod": s.authmethod, "authprovider": "static",
		"roles": wamp.Dict{"broker": featureDict(brokerFeatures), "dealer": featureDict(dealerFeatures)},
	}}
	if s.authprovider != "" {
		w.Details["authprovider"] = s.authprovider
	}
	if s.authextra != nil {
		w.Details["authextra"] = s.authextra
	}
	// Established before WELCOME is queued, under the lock shutdown
	// decides under: what follows a WELCOME is GOODBYE, never ABORT.
	s.state.CompareAndSwap(stateHello, stateEstablished)
	s.state.CompareAndSwap(stateAuth, stateEstablished)
	if s.q.push(w, messageSize(w), limitHard) == tooLarge { // payload_size.go
		w = compactWelcome(w)
		s.q.push(w, messageSize(w), limitHard) // refused too: the session ends
	}
	rm.r.stats.joined.Add(1)
	rm.metaJoined(s)           // meta_events.go: on_join
	rm.fabricSessionsChanged() // fabric_meta.go
	return true
}

// full reports whether the realm has its maximum of sessions, and says
// so. HELLO and AUTHENTICATE ask it before authentication, which may be
// costly (a dynamic Authenticator, a SCRAM key derivation), so that a
// full realm refuses a client before paying for it; join asks again, as a
// session may have joined since.
func (rm *realm) full() (msg string, full bool) {
	rm.lock()
	defer rm.unlock()
	return rm.fullLocked()
}

func (rm *realm) fullLocked() (msg string, full bool) {
	if max := rm.maxSessions; len(rm.sessions) >= max {
		return fmt.Sprintf("realm %s has its maximum of %d sessions", rm.cfg.Name, max), true
	}
	return "", false
}

func (rm *realm) leave(s *session) {
	rm.lock()
	rm.removeLocked(s)
	rm.unlock()
}

// removeLocked takes s out of the realm: its subscriptions and
// registrations go, the callees of its pending calls get INTERRUPT
// (killnowait), the callers of its pending invocations get ERROR
// wamp.error.canceled.
func (rm *realm) removeLocked(s *session) {
	if rm.sessions[s.id] != s || s.removed {
		return
	}
	s.removed = true
	delete(rm.sessions, s.id)
	rm.fabricSessionsChanged() // fabric_meta.go
	for _, sub := range s.subs {
		rm.dropSubscriber(sub, s)
	}
	for _, reg := range s.regs {
		rm.dropCallee(reg, s)
	}
	for _, inv := range s.calls {
		inv.done = true
		inv.stopTimer()
		delete(inv.callee.invs, inv.id)
		if inv.callee.canCancel && !inv.killed { // one INTERRUPT per INVOCATION (abortCall)
			rm.control(inv.callee, &wamp.Interrupt{Request: inv.id, Options: wamp.Dict{"mode": "killnowait", "reason": string(wamp.ErrCanceled)}})
		}
	}
	for _, inv := range s.invs {
		if inv.done {
			continue // s called itself
		}
		rm.finish(inv)
		rm.reply(inv.caller, &wamp.Error{RequestType: wamp.TypeCall, Request: inv.callReq, Details: wamp.Dict{},
			Error: wamp.ErrCanceled, Args: wamp.List{"the callee left"}})
	}
	rm.metaLeft(s) // meta_events.go: testaments, then on_leave
	s.subs, s.regs, s.calls, s.invs = nil, nil, nil, nil
	rm.log.Debug("wamp/router: session left", "session", s.id)
}

// handle dispatches a broker or dealer message of an established session.
func (rm *realm) handle(s *session, m wamp.Message) string {
	// A ProcedureAuthorizer's decision is outstanding: m waits behind it
	// (authorize_dynamic.go), or asks for one.
	if held, msg := s.hold(m, rm.hard); held { // authorize_dynamic.go
		return msg
	}
	if pa, a := rm.procedureAuthorizer(s, m); pa != nil {
		rm.askAuthorizer(s, m, pa, a)
		return ""
	}
	return rm.handleNow(s, m)
}

// handleNow authorizes m with what needs no waiting, then handles it.
func (rm *realm) handleNow(s *session, m wamp.Message) string {
	// Authorization (authorize.go) runs before the lock: an Authorizer
	// may take its time. Meta procedures are CALLs and pass it too.
	m, refusal, allowed := rm.authorize(s, m)
	return rm.handleLocked(s, m, refusal, allowed)
}

// handleLocked handles m, authorized already, under the realm's lock.
func (rm *realm) handleLocked(s *session, m, refusal wamp.Message, allowed bool) string {
	rm.lock()
	defer rm.unlock()
	if s.removed {
		return ""
	}
	if !allowed {
		if c, ok := m.(*wamp.Call); ok {
			if s.knownCall(c.Request) {
				// A later part of a progressive call invocation (the call
				// was authorized on its first CALL), or a request ID in
				// use: the dealer decides (dealer.go).
				return rm.call(s, c)
			}
			if p, _ := c.Options["progress"].(bool); p {
				s.endStream(c.Request) // one ERROR: its further parts are discarded
			}
		}
		if refusal != nil {
			rm.reply(s, refusal)
		}
		return ""
	}
	switch m := m.(type) {
	case *wamp.Publish:
		return rm.publish(s, m)
	case *wamp.Subscribe:
		rm.subscribe(s, m)
	case *wamp.Unsubscribe:
		rm.unsubscribe(s, m)
	case *wamp.Call:
		return rm.call(s, m)
	case *wamp.Cancel:
		rm.cancel(s, m)
	case *wamp.Register:
		rm.register(s, m)
	case *wamp.Unregister:
		rm.unregister(s, m)
	case *wamp.Yield:
		if msg := s.pptViolation("callee", wamp.TypeYield, m.Options); msg != "" { // passthru.go
			return msg
		}
		rm.yield(s, m)
	case *wamp.Error:
		if msg := s.pptViolation("callee", wamp.TypeError, m.Details); msg != "" {
			return msg
		}
		rm.invocationError(s, m)
	}
	return ""
}

// reply queues an answer to one of s's requests (or a RESULT or ERROR of
// its call) up to the hard limit; past it s is closed.
func (rm *realm) reply(s *session, m wamp.Message) {
	switch res := s.q.push(m, messageSize(m), limitHard); res {
	case overLimit:
		rm.condemn(s, "outbound queue over its hard limit")
	case tooLarge, unencodable: // payload_size.go
		if instead, _ := rm.undeliverable(s, m, res); instead != nil {
			rm.replyInstead(s, instead)
		}
	}
}

// control queues an INTERRUPT like a reply.
func (rm *realm) control(s *session, m wamp.Message) { rm.reply(s, m) }

// errorReply answers request (of type t) of s with ERROR uri.
func (rm *realm) errorReply(s *session, t wamp.MessageType, request wamp.ID, uri wamp.URI, args ...any) {
	e := &wamp.Error{RequestType: t, Request: request, Details: wamp.Dict{}, Error: uri}
	if len(args) > 0 {
		e.Args = args
	}
	rm.reply(s, e)
}

// condemn closes s for not reading: its queue is discarded, GOODBYE
// ReasonQueueOverflow is written if it can be, and s is removed from the
// realm before the lock is let go.
func (rm *realm) condemn(s *session, why string) {
	if !s.closeQueue(&wamp.Goodbye{Details: wamp.Dict{"message": why}, Reason: ReasonQueueOverflow}, true) {
		return
	}
	rm.log.Warn("wamp/router: closing a session that does not read", "session", s.id, "reason", ReasonQueueOverflow,
		"why", why, "soft_limit", rm.soft, "hard_limit", rm.hard)
	rm.doomed = append(rm.doomed, s)
}

// maxURILength bounds, in octets, the procedure and topic URIs the router
// takes: a longer one is invalid (wamp.error.invalid_uri), as one that
// breaks the URI rules is. The spec sets no bound; without one, the
// subscriptions and registrations a session may hold (5,000 each by
// default) could each keep a URI as long as a message (16 MiB on a
// WebSocket by default). Real URIs are a few dozen octets; 8 KiB is what
// HTTP servers commonly take for a request line.
const maxURILength = 8192

// maxWildcardComponents bounds the components of a wildcard pattern the
// router takes: a longer one is invalid (wamp.error.invalid_uri). The
// wildcard index keeps a node per component (match.go), some 300 bytes
// each with its map: a pattern of 8 KiB cost over a megabyte, and the
// registrations and subscriptions one session may hold (5,000 each by
// default) gigabytes. Real patterns have a handful of components.
const maxWildcardComponents = 64

// validURI reports whether u is a valid URI for match in the realm: the
// URI rules (strict or loose), maxURILength and, for a wildcard pattern,
// maxWildcardComponents.
func (rm *realm) validURI(u wamp.URI, match string) bool {
	if len(u) > maxURILength || (match == wamp.MatchWildcard && strings.Count(string(u), ".") >= maxWildcardComponents) {
		return false
	}
	return wamp.ValidURI(u, rm.cfg.StrictURI, match)
}
