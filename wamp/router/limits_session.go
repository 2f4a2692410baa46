package router

import (
	"math"
	"strconv"

	"github.com/autobahn-go/autobahn/wamp"
)

// Per-session limits (RealmConfig.MaxPendingCalls, MaxSubscriptions and
// MaxRegistrations): what one session may hold in the realm at once, so
// that one client cannot grow the router's memory without bound by
// calling without waiting for answers, or by subscribing or registering
// in a loop. The counts are the session's own maps (session.go), so they
// go down on every path that ends a call (RESULT, ERROR, timeout, cancel,
// the callee leaving or being revoked, reroute keeps the call), an
// UNSUBSCRIBE or UNREGISTER, a revocation, or the session leaving: no
// separate counter can leak and lock a session out.
//
// The WAMP spec defines no such limits and no error URI for them (its
// Basic and Advanced Profile URIs name no quota); Crossbar.io has them
// only as an open design (crossbario/crossbar issue #2017, "Resource limit
// controls and meta API", which lists the registered procedures and
// subscribed topics of a session among the static routing resources). The
// router answers with ErrLimitExceeded, its own URI as ReasonRealmFull is.

// Defaults of RealmConfig's per-session limits. A thousand calls in flight
// is far more than a caller that waits for its answers needs (an RPC
// client pipelining requests typically keeps tens), and bounds what a
// caller that never waits makes the router hold (an invocation each, and
// a queued INVOCATION at its callee). Subscriptions and registrations
// cost a map entry of the session and of the subscription or
// registration; thousands of topics per session cover dashboards that
// subscribe per item.
const (
	DefaultMaxPendingCalls  = 1_000
	DefaultMaxSubscriptions = 5_000
	DefaultMaxRegistrations = 5_000
)

// ErrLimitExceeded is the ERROR URI of a CALL, SUBSCRIBE or REGISTER
// refused because the session holds its maximum of pending calls,
// subscriptions or registrations already (this router's URI: the spec has
// none for it). ERROR.Args[0] says which limit; ERROR.ArgumentsKw has
// "limit" (max_pending_calls, max_subscriptions or max_registrations, the
// configuration keys) and "max". The session is not closed: once it holds
// fewer, the same request succeeds.
const ErrLimitExceeded wamp.URI = "wamp.error.limit_exceeded"

// sessionLimits are a realm's per-session limits, resolved: never zero.
type sessionLimits struct {
	calls, subs, regs int
}

func sessionLimitsOf(cfg RealmConfig) sessionLimits {
	return sessionLimits{
		calls: resolveLimit(cfg.MaxPendingCalls, DefaultMaxPendingCalls),
		subs:  resolveLimit(cfg.MaxSubscriptions, DefaultMaxSubscriptions),
		regs:  resolveLimit(cfg.MaxRegistrations, DefaultMaxRegistrations),
	}
}

// resolveLimit: zero is def, negative no bound.
func resolveLimit(v, def int) int {
	switch {
	case v == 0:
		return def
	case v < 0:
		return math.MaxInt
	}
	return v
}

// callLimitReached answers a new CALL of s with ERROR ErrLimitExceeded
// when s has its maximum of calls in flight, and reports whether it did.
// The CALL gets that one answer and no call starts.
func (rm *realm) callLimitReached(s *session, m *wamp.Call, progress bool) bool {
	if len(s.calls) < rm.limits.calls {
		return false
	}
	rm.r.stats.refusedCalls.Add(1)
	rm.log.Debug("wamp/router: call refused", "session", s.id, "reason", ErrLimitExceeded, "pending", len(s.calls))
	rm.reply(s, limitError(wamp.TypeCall, m.Request, "max_pending_calls", "calls in flight", rm.limits.calls))
	if progress {
		s.endStream(m.Request) // its further parts are discarded
	}
	return true
}

// subscribeLimitReached answers a SUBSCRIBE that would add a subscription
// to s when s has its maximum already; subscribing again to a
// subscription s has is not refused.
func (rm *realm) subscribeLimitReached(s *session, m *wamp.Subscribe, sub *subscription) bool {
	if sub != nil && s.subs[sub.id] == sub {
		return false
	}
	if len(s.subs) < rm.limits.subs {
		return false
	}
	rm.r.stats.refusedSubs.Add(1)
	rm.log.Debug("wamp/router: subscribe refused", "session", s.id, "reason", ErrLimitExceeded, "subscriptions", len(s.subs))
	rm.reply(s, limitError(wamp.TypeSubscribe, m.Request, "max_subscriptions", "subscriptions", rm.limits.subs))
	return true
}

// registerLimitReached answers a REGISTER of s with ERROR
// ErrLimitExceeded when s has its maximum of registrations already.
func (rm *realm) registerLimitReached(s *session, m *wamp.Register) bool {
	if len(s.regs) < rm.limits.regs {
		return false
	}
	rm.r.stats.refusedRegs.Add(1)
	rm.log.Debug("wamp/router: register refused", "session", s.id, "reason", ErrLimitExceeded, "registrations", len(s.regs))
	rm.reply(s, limitError(wamp.TypeRegister, m.Request, "max_registrations", "registrations", rm.limits.regs))
	return true
}

// limitError is the ERROR of a request refused at limit key (its
// configuration key) of max.
func limitError(t wamp.MessageType, request wamp.ID, key, what string, max int) *wamp.Error {
	return &wamp.Error{RequestType: t, Request: request, Details: wamp.Dict{}, Error: ErrLimitExceeded,
		Args:   wamp.List{"the session has its maximum of " + strconv.Itoa(max) + " " + what},
		Kwargs: wamp.Dict{"limit": key, "max": int64(max)}}
}
