package router

import (
	"maps"
	"sync"
	"sync/atomic"

	"github.com/autobahn-go/autobahn/wamp"
)

// Stats are a router's counters since New: sessions welcomed, sessions
// ended and why, and what it refused or dropped. Each of these events is
// also logged; the counters are what a metrics endpoint exports (autobahn
// serve's /metrics does).
type Stats struct {
	// Joined counts sessions welcomed.
	Joined uint64
	// Closed counts sessions that ended, joined or not, by the reason URI
	// of the router's last message to them: the ABORT or GOODBYE it sent
	// (wamp.close.goodbye_and_out answers a client's GOODBYE,
	// ReasonQueueOverflow closes a session that does not read,
	// wamp.error.protocol_violation, ReasonRealmFull, ...). The empty key
	// counts sessions whose transport ended before the router sent either
	// (the peer closed the connection or it failed). At most
	// MaxStatsReasons distinct reasons are kept (a wamp.session.kill names
	// its own); the others count under StatsOtherReason.
	Closed map[wamp.URI]uint64
	// EventsDropped counts EVENTs not delivered to subscribers over their
	// queue's soft limit in realms with SlowDrop, and EVENTs larger than
	// their subscriber's transport takes (a RawSocket client's maximum
	// message length, a WebSocket server's MaxMessagePayload) or that its
	// serializer cannot encode (Unencodable), in any realm (per session:
	// Router.Session's SessionInfo.Dropped; the WAMP meta API has no such
	// count).
	EventsDropped uint64
	// Unencodable counts messages the router could not encode for their
	// peer's serializer (a NaN or an infinity, which a MessagePack or CBOR
	// peer may send, for a JSON one) and answered for instead: EVENTs
	// dropped (also in EventsDropped), INVOCATIONs (per callee: the call
	// goes to the next callee, else the caller gets ERROR
	// wamp.error.invalid_argument), RESULTs and call ERRORs replaced by
	// that ERROR, events left out of a wamp.subscription.get_events
	// result. The sessions go on.
	Unencodable uint64
	// RefusedCalls, RefusedSubscriptions and RefusedRegistrations count
	// the CALLs, SUBSCRIBEs and REGISTERs answered with ErrLimitExceeded
	// (RealmConfig.MaxPendingCalls, MaxSubscriptions, MaxRegistrations).
	RefusedCalls, RefusedSubscriptions, RefusedRegistrations uint64
	// Panics counts panics recovered in user code the router calls: an
	// Authenticator (the session is refused with
	// wamp.error.authentication_failed) or an Authorizer (the action is
	// denied with wamp.error.authorization_failed). Each is logged with
	// its stack; Config.PanicCrash lets them crash the process instead.
	Panics uint64
}

// MaxStatsReasons bounds Stats.Closed; StatsOtherReason is the key of the
// sessions closed with a reason past that bound.
const (
	MaxStatsReasons                 = 32
	StatsOtherReason       wamp.URI = "other"
	statsTransportEndedKey wamp.URI = ""
)

// routerStats is what Router.Stats reads.
type routerStats struct {
	joined, dropped           atomic.Uint64
	unencodable               atomic.Uint64
	refusedCalls, refusedSubs atomic.Uint64
	refusedRegs               atomic.Uint64
	panics                    atomic.Uint64
	mu                        sync.Mutex
	closed                    map[wamp.URI]uint64
}

// sessionClosed counts a session whose queue was closed with final (nil
// when the transport ended first).
func (st *routerStats) sessionClosed(final wamp.Message) {
	reason := statsTransportEndedKey
	switch m := final.(type) {
	case *wamp.Abort:
		reason = m.Reason
	case *wamp.Goodbye:
		reason = m.Reason
	}
	st.mu.Lock()
	if st.closed == nil {
		st.closed = make(map[wamp.URI]uint64)
	}
	if _, ok := st.closed[reason]; !ok && len(st.closed) >= MaxStatsReasons-1 && reason != StatsOtherReason {
		reason = StatsOtherReason // MaxStatsReasons-1 named ones and "other"
	}
	st.closed[reason]++
	st.mu.Unlock()
}

// Stats returns the router's counters.
func (r *Router) Stats() Stats {
	st := &r.stats
	st.mu.Lock()
	closed := maps.Clone(st.closed)
	st.mu.Unlock()
	if closed == nil {
		closed = map[wamp.URI]uint64{}
	}
	return Stats{
		Joined:               st.joined.Load(),
		Closed:               closed,
		EventsDropped:        st.dropped.Load(),
		Unencodable:          st.unencodable.Load(),
		RefusedCalls:         st.refusedCalls.Load(),
		RefusedSubscriptions: st.refusedSubs.Load(),
		RefusedRegistrations: st.refusedRegs.Load(),
		Panics:               st.panics.Load(),
	}
}
