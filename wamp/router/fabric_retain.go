package router

import (
	"slices"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
)

// FabricRetain is implemented by a Fabric that keeps retained events and
// event histories for the whole cluster (natsfabric does, on JetStream).
// Without it each router keeps its own: a retained PUBLISH stays with the
// publisher's router, and a history keeps what reaches its router while
// the router runs (FabricLink.Publish). The router calls Retain and
// Retained under a realm's lock, with the rules of the Fabric's methods
// (no blocking, no FabricLink calls).
type FabricRetain interface {
	// Retain is called after a local PUBLISH with retain=true, in a
	// realm that keeps retained events (RetainedTopics not negative):
	// kept says the realm kept p as its topic's retained event; false
	// (declined by the realm's bounds) means the topic has none any
	// more.
	Retain(p *FabricPublication, kept bool)
	// Retained is called for a SUBSCRIBE with get_retained=true in a
	// realm that keeps retained events. True lets it go on with the
	// router's own retained events; false holds it: the fabric calls
	// done once, later (not from Retained, nor under any lock of its own
	// or the router's), with the cluster's retained events of the topics
	// the subscription q describes may match (at most q.MaxTopics of
	// them, of at most about q.MaxBytes). The router keeps them in its
	// retained store, within the realm's bounds, in place of its own for
	// those topics, then handles the SUBSCRIBE again (unless its session
	// left), which delivers them.
	Retained(q FabricRetainedQuery, done func(FabricRetained)) bool
}

// FabricRetainedQuery is what a SUBSCRIBE with get_retained=true asks
// of the cluster: the retained events of the topics a subscription
// (Topic, Match) of Realm matches, at most MaxTopics of them and about
// MaxBytes (the realm's retention bounds).
type FabricRetainedQuery struct {
	Realm     wamp.URI
	Topic     wamp.URI
	Match     string
	MaxTopics int
	MaxBytes  int
}

// FabricRetained is the cluster's answer to a FabricRetainedQuery:
// Events, the last retained publication of their topics; Cleared, topics
// whose last retained publication was declined by its router (they have
// none). Topics in neither keep what the router has.
type FabricRetained struct {
	Events  []*FabricPublication
	Cleared []wamp.URI
}

// FabricHistory is one event history of a realm (RealmConfig.EventHistory).
type FabricHistory struct {
	Topic wamp.URI
	Match string
	Limit int
}

// FabricHistoryEvent is an event of a history kept outside the router:
// the publication and when it was published.
type FabricHistoryEvent struct {
	At  time.Time
	Pub *FabricPublication
}

// Histories returns realm's event histories, in their configuration's
// order.
func (l *FabricLink) Histories(realm wamp.URI) []FabricHistory {
	rm := l.r.realms[realm]
	if rm == nil {
		return nil
	}
	out := make([]FabricHistory, 0, len(rm.cfg.EventHistory))
	for _, h := range rm.cfg.EventHistory {
		out = append(out, FabricHistory{Topic: h.URI, Match: h.Match, Limit: h.Limit})
	}
	return out
}

// LoadHistory puts events, oldest first, into the event history (topic,
// match) of realm, before the events it has already (a fabric loads what
// the cluster published before the router started): those the history
// has (by publication ID), those whose topic it does not match and those
// that histories leave out (exclude or eligible session lists, a binary
// Payload) are skipped, and the history's limits hold, the oldest events
// going first. It returns how many events it loaded; ErrNoRealm, or an
// error for a realm without that history.
func (l *FabricLink) LoadHistory(realm, topic wamp.URI, match string, events []FabricHistoryEvent) (int, error) {
	rm := l.r.realms[realm]
	if rm == nil {
		return 0, ErrNoRealm
	}
	rm.lock()
	defer rm.unlock()
	sub, ok := rm.subs.get(topic, match)
	if !ok || sub.history == nil {
		return 0, errNoHistory
	}
	old := sub.history
	have := make(map[wamp.ID]bool, old.n)
	for i := range old.n {
		have[old.at(i).p.id] = true
	}
	h := &historyRing{limit: old.limit}
	loaded := 0
	for _, e := range events {
		if e.Pub == nil || have[e.Pub.ID] || !topicMatches(topic, match, e.Pub.Topic) {
			continue
		}
		p := publicationOf(e.Pub)
		if !p.historic() {
			continue
		}
		have[p.id] = true
		h.add(e.At, p)
		loaded++
	}
	for i := range old.n {
		e := old.at(i)
		h.add(e.at, e.p)
	}
	sub.history = h
	return loaded, nil
}

type historyError string

func (e historyError) Error() string { return string(e) }

const errNoHistory = historyError("wamp/router: no such event history")

// fabricRetain tells a FabricRetain of a retained PUBLISH (broker.go). The
// realm's lock is held.
func (rm *realm) fabricRetain(m *wamp.Publish, p *publication, kept bool) {
	if fr, ok := rm.r.cfg.Fabric.(FabricRetain); ok {
		fr.Retain(rm.fabricPublication(m, p), kept)
	}
}

// fabricRetainHold reports whether a FabricRetain holds s's SUBSCRIBE m
// with get_retained=true while it fetches the cluster's retained events;
// the SUBSCRIBE is then handled again with fetched true (broker.go). The
// realm's lock is held.
func (rm *realm) fabricRetainHold(s *session, m *wamp.Subscribe, match string) bool {
	fr, ok := rm.r.cfg.Fabric.(FabricRetain)
	if !ok || rm.retain.maxTopics < 0 {
		return false
	}
	q := FabricRetainedQuery{Realm: rm.cfg.Name, Topic: m.Topic, Match: match,
		MaxTopics: rm.retain.maxTopics, MaxBytes: rm.retain.maxBytes}
	since := rm.retain.gen
	return !fr.Retained(q, func(got FabricRetained) {
		rm.lock()
		defer rm.unlock()
		rm.retain.fill(rm, m.Topic, match, since, got)
		if rm.sessions[s.id] == s && !s.removed {
			rm.subscribeFetched(s, m, true)
		}
	})
}

// fill keeps what the cluster has of the retained events of the topics
// (pattern, match) matches (fabricRetainHold): its events replace the
// router's, within the bounds; its cleared topics lose theirs. A topic
// whose event the router kept after the fetch began (st.gen past since)
// keeps it: it is as new as the fetched one at least.
func (st *retainStore) fill(rm *realm, pattern wamp.URI, match string, since uint64, got FabricRetained) {
	newer := func(topic wamp.URI) bool { e := st.events[topic]; return e != nil && e.gen > since }
	for _, topic := range got.Cleared {
		if e := st.events[topic]; e != nil && e.gen <= since && topicMatches(pattern, match, topic) {
			st.bytes -= e.size
			delete(st.events, topic)
		}
	}
	for _, fp := range got.Events {
		if fp == nil || fp.Realm != rm.cfg.Name || !topicMatches(pattern, match, fp.Topic) ||
			!rm.validURI(fp.Topic, wamp.MatchExact) {
			continue
		}
		if e := st.events[fp.Topic]; e != nil && e.p.id == fp.ID || newer(fp.Topic) {
			continue
		}
		st.keep(rm, publicationOf(fp))
	}
}

// fabricPublication is p, a local publication of m, as it crosses
// routers.
func (rm *realm) fabricPublication(m *wamp.Publish, p *publication) *FabricPublication {
	return &FabricPublication{
		Realm: rm.cfg.Name, ID: p.id, Topic: p.topic, Publisher: p.publisher,
		PublisherAuthID: p.authid, PublisherAuthRole: p.authrole, Disclose: p.disclose,
		Trusted: p.trusted, TrustLevel: p.trust, Options: m.Options,
		Args: p.args, Kwargs: p.kwargs, Payload: p.payload,
	}
}

// publicationOf is the publication of fp, another router's.
func publicationOf(fp *FabricPublication) *publication {
	id := fp.ID
	if id == 0 || id > wamp.MaxID {
		id = wamp.GlobalID()
	}
	p := &publication{
		id: id, topic: fp.Topic, publisher: fp.Publisher, authid: fp.PublisherAuthID, authrole: fp.PublisherAuthRole,
		disclose: fp.Disclose, trusted: fp.Trusted, trust: fp.TrustLevel, aud: audienceOf(fp.Options),
		args: fp.Args, kwargs: fp.Kwargs, payload: fp.Payload,
		size: msgOverhead + payloadSize(fp.Args, fp.Kwargs, fp.Payload),
	}
	if slices.ContainsFunc(passthruKeys[:], func(k string) bool { _, ok := fp.Options[k]; return ok }) {
		p.passthru = wamp.Dict{}
		copyPassthru(p.passthru, fp.Options)
	}
	return p
}
