package router

import (
	"cmp"
	"errors"
	"slices"
	"sync/atomic"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
)

// A Fabric federates a router's realms with those of other routers
// (Config.Fabric): the broker hands it every publication of a local
// session, and the dealer the calls it routes to a callee on another
// router. The fabric reaches the router back through the FabricLink that
// Start gives it: it delivers remote publications to local subscribers,
// adds the callees of other routers as RemoteCallees of local
// registrations (the dealer routes to them like to local callees: invoke
// policies, timeouts and reroute included), and runs calls from other
// routers on local callees.
//
// The router calls Publish, Invoke and RegistrationsChanged under a
// realm's lock: they must not block (queue, or write to a buffered
// connection), must not call the FabricLink, and must not keep what they
// are given past their return unless it says otherwise. A router without
// a Fabric pays one nil check per publication, call and registration.
//
// A Fabric may implement FabricInterest too, to hear of the router's
// subscriptions, and FabricSessions, to make the session meta API answer
// for the cluster (fabric_meta.go), and FabricCallControl, to carry
// CANCEL and progressive call invocations to the callee's router
// (fabric_progress.go), and FabricRetain, to keep retained events and
// event histories for the cluster (fabric_retain.go). natsfabric (a
// module of its own) implements a Fabric over NATS, with all four.
type Fabric interface {
	// Start is called once by New, once the realms exist. An error
	// fails New.
	Start(link *FabricLink) error
	// Publish is called for every publication of a local session after
	// its local delivery.
	Publish(p *FabricPublication)
	// Invoke is called when the dealer gives a call to a RemoteCallee.
	// The fabric answers it later, once, with call.Answer (which it may
	// keep for that). A non-nil error refuses the call at once: the
	// dealer gives it to the registration's next callee, and when none
	// takes it the caller gets ERROR wamp.error.no_available_callee, or
	// wamp.error.invalid_argument when the error is (or wraps)
	// ErrFabricUnencodable, or wamp.error.payload_size_exceeded when it
	// is (or wraps) ErrFabricTooLarge.
	Invoke(call *FabricCall) error
	// RegistrationsChanged is called when a local session registered
	// or unregistered (or left) in realm: FabricLink.Registrations has
	// the new list.
	RegistrationsChanged(realm wamp.URI)
}

// ErrFabricUnencodable is the error a Fabric's Invoke returns, or wraps,
// when the call has a value the fabric's encoding has no form for (a
// string that is not UTF-8, from an in-process caller): the call cannot
// reach the callee's router as it is, as a local callee's serializer
// refuses it (the caller gets ERROR wamp.error.invalid_argument when no
// other callee takes the call; payload_size.go).
var ErrFabricUnencodable = errors.New("wamp/router: the call cannot be encoded for the fabric")

// ErrFabricTooLarge is the error a Fabric's Invoke returns, or wraps,
// when the call is larger than the fabric carries (the caller gets ERROR
// wamp.error.payload_size_exceeded when no other callee takes the call,
// as when it is larger than a local callee's transport takes).
var ErrFabricTooLarge = errors.New("wamp/router: the call is larger than the fabric carries")

// FabricPublication is a publication as it crosses routers: everything
// the subscribers' router needs to apply publisher exclusion, black and
// white lists, publisher disclosure and trust levels there.
type FabricPublication struct {
	Realm wamp.URI
	// ID is the publication's ID: the same on every router.
	ID    wamp.ID
	Topic wamp.URI
	// Publisher, PublisherAuthID and PublisherAuthRole identify the
	// publishing session; Disclose is its disclose_me.
	Publisher         wamp.ID
	PublisherAuthID   string
	PublisherAuthRole string
	Disclose          bool
	// Trusted says TrustLevel is set: the publisher's router's
	// PublicationTrustLevels for its authrole.
	Trusted    bool
	TrustLevel int64
	// Options are the PUBLISH's options: exclude_me, the exclude and
	// eligible lists, the payload passthru keys. Read-only.
	Options wamp.Dict
	Args    wamp.List
	Kwargs  wamp.Dict
	Payload []byte
}

// FabricRegistration is one local registration as other routers see it.
type FabricRegistration struct {
	Procedure wamp.URI
	Match     string // wamp.MatchExact, MatchPrefix or MatchWildcard
	Policy    string // InvokeSingle, InvokeRoundRobin, ...
}

// FabricCall is a call crossing routers: from the dealer to
// Fabric.Invoke on the caller's router, and from the fabric to
// FabricLink.Serve on the callee's. Its fields are read-only.
type FabricCall struct {
	Realm wamp.URI
	// Registration and Match name the callee's registration (on the
	// callee's router); Procedure is the URI the caller called.
	Registration wamp.URI
	Match        string
	Procedure    wamp.URI
	// Caller, CallerAuthID and CallerAuthRole identify the calling
	// session: the callee's router discloses them as the CALL and the
	// registration ask.
	Caller         wamp.ID
	CallerAuthID   string
	CallerAuthRole string
	// Options are the CALL's options (disclose_me, receive_progress,
	// progress, the payload passthru keys; fabric_progress.go).
	Options wamp.Dict
	// Timeout is what was left of the call's timeout when it was given
	// to the fabric; zero means none.
	Timeout time.Duration
	Args    wamp.List
	Kwargs  wamp.Dict
	Payload []byte
	// Callee is the RemoteCallee the dealer chose (Invoke only).
	Callee *RemoteCallee

	rm       *realm
	proxy    *session
	id       wamp.ID // INVOCATION.Request of the proxy
	answered atomic.Bool
}

// Answer ends the call on the caller's router with m, the final
// *wamp.Result or *wamp.Error the callee's router answered with (its
// progressive results go to Progress): the caller gets a
// RESULT or an ERROR (an ERROR wamp.error.unavailable is rerouted to the
// registration's next callee when there is one). Answers after the first,
// or after the call ended otherwise (timeout, the caller left, the
// RemoteCallee was removed), are dropped. It must not be called under the
// router's locks (from Fabric.Invoke, say).
func (c *FabricCall) Answer(m wamp.Message) {
	if c.rm == nil || !c.answered.CompareAndSwap(false, true) {
		return
	}
	rm := c.rm
	rm.lock()
	defer rm.unlock()
	if out, ok := c.proxy.q.(*remoteOut); ok {
		delete(out.calls, c.id)
	}
	switch m := m.(type) {
	case *wamp.Result:
		opts := wamp.Dict{}
		copyPassthru(opts, m.Details)
		rm.yield(c.proxy, &wamp.Yield{Request: c.id, Options: opts, Args: m.Args, Kwargs: m.Kwargs, Payload: m.Payload})
	case *wamp.Error:
		details := wamp.Dict{}
		copyPassthru(details, m.Details)
		rm.invocationError(c.proxy, &wamp.Error{RequestType: wamp.TypeInvocation, Request: c.id, Details: details,
			Error: m.Error, Args: m.Args, Kwargs: m.Kwargs, Payload: m.Payload})
	default:
		rm.invocationError(c.proxy, &wamp.Error{RequestType: wamp.TypeInvocation, Request: c.id, Details: wamp.Dict{},
			Error: wamp.ErrCanceled, Args: wamp.List{"the callee's router answered with " + m.Type().String()}})
	}
}

// FabricLink is the router as its Fabric reaches it. Its methods are
// safe for concurrent use and must not be called from the Fabric's
// methods (which run under the router's locks).
type FabricLink struct {
	r *Router
}

// ErrNoRealm is returned by FabricLink methods for a realm the router
// does not serve.
var ErrNoRealm = errors.New("wamp/router: no such realm")

// Realms returns the names of the router's realms.
func (l *FabricLink) Realms() []wamp.URI {
	out := make([]wamp.URI, 0, len(l.r.realms))
	for name := range l.r.realms {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// Registrations returns the registrations of realm that have a local
// callee (RemoteCallees are not listed), sorted by procedure and match.
func (l *FabricLink) Registrations(realm wamp.URI) []FabricRegistration {
	rm := l.r.realms[realm]
	if rm == nil {
		return nil
	}
	var out []FabricRegistration
	rm.lock()
	for _, reg := range rm.regByID {
		if slices.ContainsFunc(reg.callees, func(c callee) bool { return !isRemote(c.s) }) {
			out = append(out, FabricRegistration{Procedure: reg.uri, Match: reg.match, Policy: reg.policy})
		}
	}
	rm.unlock()
	slices.SortFunc(out, func(a, b FabricRegistration) int {
		return cmp.Or(cmp.Compare(a.Procedure, b.Procedure), cmp.Compare(a.Match, b.Match))
	})
	return out
}

// Publish delivers a publication of another router's session to the
// local subscribers it is for, with its exclude and eligible lists,
// disclosure and trust level applied, and keeps it in the event history
// of the topics that have one. It is not retained here: the publisher's
// router keeps it, and tells a FabricRetain, which makes it the cluster's
// (fabric_retain.go).
func (l *FabricLink) Publish(fp *FabricPublication) error {
	rm := l.r.realms[fp.Realm]
	if rm == nil {
		return ErrNoRealm
	}
	if !rm.validURI(fp.Topic, wamp.MatchExact) {
		return errors.New("wamp/router: remote publication to an invalid topic URI")
	}
	p := publicationOf(fp) // fabric_retain.go
	rm.lock()
	defer rm.unlock()
	var now time.Time
	rm.subs.each(p.topic, func(sub *subscription, match string) {
		if sub.history != nil && p.historic() {
			if now.IsZero() {
				now = time.Now()
			}
			sub.history.add(now, p)
		}
		f := fanout{rm: rm, p: p, subID: sub.id, match: match}
		for _, sb := range sub.subscribers {
			if p.aud.admits(p.publisher, sb) {
				f.deliver(sb)
			}
		}
	})
	return nil
}

// fabricPublish hands a local publication to the fabric (broker.go).
func (rm *realm) fabricPublish(f Fabric, m *wamp.Publish, p *publication) {
	f.Publish(rm.fabricPublication(m, p)) // fabric_retain.go
}

// fabricRegsChanged tells the fabric that s, a local session, registered
// or unregistered (dealer.go).
func (rm *realm) fabricRegsChanged(s *session) {
	if f := rm.r.cfg.Fabric; f != nil && !isRemote(s) {
		f.RegistrationsChanged(rm.cfg.Name)
	}
}
