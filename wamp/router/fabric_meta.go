package router

import (
	"cmp"
	"slices"

	"github.com/autobahn-go/autobahn/wamp"
)

// Optional Fabric interfaces: a Fabric that implements FabricInterest is
// told which subscriptions the router has, so that it fetches only the
// publications they need; one that implements FabricSessions makes the
// session meta API answer for the whole cluster.

// FabricInterest is implemented by a Fabric that wants to know the
// router's subscriptions (natsfabric subscribes to the NATS subjects they
// need). The router calls SubscriptionChanged under a realm's lock, with
// the rules of the Fabric's methods (no blocking, no FabricLink calls).
type FabricInterest interface {
	// Interest is called when a SUBSCRIBE would make the subscription
	// (topic, match) in realm. True lets it go on; false holds it: the
	// fabric calls ready once, later (not from Interest, nor under any
	// lock of its own or the router's), and the router then handles the
	// SUBSCRIBE again (unless its session left). natsfabric holds a
	// SUBSCRIBE until the NATS server has the router's interest, so that
	// what other routers publish after SUBSCRIBED reaches the subscriber.
	Interest(realm, topic wamp.URI, match string, ready func()) bool
	// SubscriptionChanged is called when realm gains the subscription
	// (topic, match), before the SUBSCRIBED of its first subscriber is
	// queued (exists true), and when it loses it (exists false). The
	// subscriptions that exist when Start is called (those of event
	// histories) are listed by FabricLink.Subscriptions.
	SubscriptionChanged(realm, topic wamp.URI, match string, exists bool)
}

// FabricSubscription is one subscription of a realm: a topic and its
// match policy (wamp.MatchExact, MatchPrefix or MatchWildcard).
type FabricSubscription struct {
	Topic wamp.URI
	Match string
}

// Subscriptions returns realm's subscriptions (with subscribers, or
// kept for an event history), sorted by topic and match.
func (l *FabricLink) Subscriptions(realm wamp.URI) []FabricSubscription {
	rm := l.r.realms[realm]
	if rm == nil {
		return nil
	}
	rm.lock()
	out := make([]FabricSubscription, 0, len(rm.subByID))
	for _, sub := range rm.subByID {
		out = append(out, FabricSubscription{Topic: sub.uri, Match: sub.match})
	}
	rm.unlock()
	slices.SortFunc(out, func(a, b FabricSubscription) int {
		return cmp.Or(cmp.Compare(a.Topic, b.Topic), cmp.Compare(a.Match, b.Match))
	})
	return out
}

// fabricHold reports whether the fabric holds s's SUBSCRIBE m, which
// would make a subscription, until its interest is in place; the
// SUBSCRIBE is then handled again, fetched as it was (broker.go). The
// realm's lock is held.
func (rm *realm) fabricHold(s *session, m *wamp.Subscribe, match string, fetched bool) bool {
	fi, ok := rm.r.cfg.Fabric.(FabricInterest)
	if !ok {
		return false
	}
	return !fi.Interest(rm.cfg.Name, m.Topic, match, func() {
		rm.lock()
		defer rm.unlock()
		if rm.sessions[s.id] == s && !s.removed {
			rm.subscribeFetched(s, m, fetched)
		}
	})
}

// fabricSubChanged tells a FabricInterest that sub came or went
// (broker.go). The realm's lock is held.
func (rm *realm) fabricSubChanged(sub *subscription, exists bool) {
	if fi, ok := rm.r.cfg.Fabric.(FabricInterest); ok {
		fi.SubscriptionChanged(rm.cfg.Name, sub.uri, sub.match, exists)
	}
}

// FabricSessions is implemented by a Fabric that knows the sessions of
// the other routers: wamp.session.count, wamp.session.list and
// wamp.session.get then answer for the whole cluster (meta_session.go).
// The router calls its methods under a realm's lock, with the rules of
// the Fabric's methods (no blocking, no FabricLink calls).
type FabricSessions interface {
	// SessionsChanged is called when a session joined realm or left
	// it: FabricLink.Sessions has the new list.
	SessionsChanged(realm wamp.URI)
	// RemoteSessions returns the sessions of realm on the other
	// routers, as far as the fabric knows them. The router does not
	// keep or change the slice.
	RemoteSessions(realm wamp.URI) []FabricSession
}

// FabricSession is a session as other routers see it.
type FabricSession struct {
	ID           wamp.ID
	AuthID       string
	AuthRole     string
	AuthMethod   string
	AuthProvider string
	// Node is the fabric's name for the session's router (set by the
	// fabric for the sessions of other routers; empty in Sessions).
	Node string
}

// Sessions returns the sessions joined to realm on this router, sorted
// by ID.
func (l *FabricLink) Sessions(realm wamp.URI) []FabricSession {
	rm := l.r.realms[realm]
	if rm == nil {
		return nil
	}
	rm.lock()
	out := make([]FabricSession, 0, len(rm.sessions))
	for _, s := range rm.sessions {
		out = append(out, FabricSession{ID: s.id, AuthID: s.authid, AuthRole: s.authrole,
			AuthMethod: s.authmethod, AuthProvider: cmp.Or(s.authprovider, "static")})
	}
	rm.unlock()
	slices.SortFunc(out, func(a, b FabricSession) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// fabricSessionsChanged tells a FabricSessions that a session joined
// or left (realm.go). The realm's lock is held.
func (rm *realm) fabricSessionsChanged() {
	if fs, ok := rm.r.cfg.Fabric.(FabricSessions); ok {
		fs.SessionsChanged(rm.cfg.Name)
	}
}

// remoteSessions returns the sessions of the realm on other routers
// (none without a FabricSessions). The realm's lock is held.
func (rm *realm) remoteSessions() []FabricSession {
	if fs, ok := rm.r.cfg.Fabric.(FabricSessions); ok {
		return fs.RemoteSessions(rm.cfg.Name)
	}
	return nil
}

// remoteSessionDetails is the wamp.session.get details of a session of
// another router: what its router announced; its transport is "fabric",
// with the router's node name as peer.
func remoteSessionDetails(fs FabricSession) wamp.Dict {
	return wamp.Dict{
		"session": uint64(fs.ID), "authid": fs.AuthID, "authrole": fs.AuthRole,
		"authmethod": fs.AuthMethod, "authprovider": fs.AuthProvider,
		"transport": wamp.Dict{"type": "fabric", "peer": "fabric:" + fs.Node},
	}
}
