package router

import (
	"slices"
	"strings"

	"github.com/autobahn-go/autobahn/wamp"
)

// Defaults of the event retention bounds of RealmConfig.
const (
	DefaultRetainedTopics = 10_000
	DefaultRetainedBytes  = 64 << 20
)

// retainStore keeps a realm's retained events (WAMP spec, "Event
// Retention"): the last PUBLISH with retain=true of each topic, delivered
// with Details.retained=true to a SUBSCRIBE with get_retained=true of a
// subscription matching the topic (exact, prefix or wildcard), right
// after its SUBSCRIBED, when the subscriber would have been eligible for
// the publication (its exclude and eligible lists, exclude_me) and with
// the publisher disclosed when it was.
//
// Bounds: at most maxTopics topics and maxBytes estimated octets of
// retained events (Args, Kwargs, Payload, options). A retained PUBLISH
// replaces the topic's event; when the new one does not fit, the topic's
// old event is dropped as well (a subscriber never gets an event older
// than the last one retained) and the new one is declined, which the spec
// allows ("a Broker MAY decline to provide event retention"): it is
// delivered to the current subscribers as usual and acknowledged, counted
// (declined) and logged (Warn, once per run of declines). Guarded by the
// realm's mu.
type retainStore struct {
	maxTopics int // negative: retention off
	maxBytes  int
	events    map[wamp.URI]*retainedEvent
	bytes     int
	declined  uint64
	declining bool   // in a run of declines (logged once per run)
	gen       uint64 // counts the events kept (fabric_retain.go)
}

type retainedEvent struct {
	p    *publication
	size int
	gen  uint64 // st.gen when kept
}

func (st *retainStore) init(cfg RealmConfig) {
	st.maxTopics, st.maxBytes = cfg.RetainedTopics, cfg.RetainedBytes
	if st.maxTopics == 0 {
		st.maxTopics = DefaultRetainedTopics
	}
	if st.maxBytes <= 0 {
		st.maxBytes = DefaultRetainedBytes
	}
	st.events = map[wamp.URI]*retainedEvent{}
}

// retainedSize estimates what keeping p costs.
func retainedSize(p *publication) int {
	n := p.size + len(p.topic) + len(p.authid) + len(p.authrole) + 64
	a := &p.aud
	n += 12 * (len(a.exclude) + len(a.eligible))
	for _, l := range [][]string{a.excludeAuthID, a.eligibleAuthID, a.excludeAuthRole, a.eligibleAuthRole} {
		for _, s := range l {
			n += len(s) + valueOverhead
		}
	}
	if p.passthru != nil {
		n += valueSize(p.passthru, 0)
	}
	return n
}

// keep makes p its topic's retained event, if it fits: it reports
// whether it did.
func (st *retainStore) keep(rm *realm, p *publication) bool {
	if st.maxTopics < 0 {
		return false
	}
	if old := st.events[p.topic]; old != nil {
		st.bytes -= old.size
		delete(st.events, p.topic)
	}
	size := retainedSize(p)
	if len(st.events) >= st.maxTopics || st.bytes+size > st.maxBytes {
		st.declined++
		if !st.declining {
			st.declining = true
			rm.log.Warn("wamp/router: retained event declined: the realm's retention bounds are reached",
				"topic", p.topic, "retained_topics", len(st.events), "max_topics", st.maxTopics,
				"retained_bytes", st.bytes, "max_bytes", st.maxBytes, "declined_total", st.declined)
		}
		return false
	}
	st.declining = false
	st.gen++
	st.events[p.topic] = &retainedEvent{p: p, size: size, gen: st.gen}
	st.bytes += size
	return true
}

// send queues to s, after its SUBSCRIBED to sub, the retained events of
// the topics sub matches that s is eligible for (in topic order for a
// pattern). A pattern subscription looks at every retained topic: at
// most maxTopics comparisons under the realm's lock.
func (st *retainStore) send(rm *realm, s *session, sub *subscription) {
	if len(st.events) == 0 {
		return
	}
	var list []*publication
	if sub.match == wamp.MatchExact {
		if e := st.events[sub.uri]; e != nil {
			list = append(list, e.p)
		}
	} else {
		for topic, e := range st.events {
			if topicMatches(sub.uri, sub.match, topic) {
				list = append(list, e.p)
			}
		}
		slices.SortFunc(list, func(a, b *publication) int { return strings.Compare(string(a.topic), string(b.topic)) })
	}
	for _, p := range list {
		if !p.aud.admits(p.publisher, s) {
			continue
		}
		d := p.details(sub.match)
		d["retained"] = true
		rm.deliver(s, sub.id, p, d)
		if s.q.isClosed() {
			return // condemned by the slow-subscriber policy
		}
	}
}

// topicMatches reports whether topic matches the subscription pattern of
// match (the rules of uriIndex: a byte-wise prefix, or a wildcard pattern
// whose empty components match any one component).
func topicMatches(pattern wamp.URI, match string, topic wamp.URI) bool {
	switch match {
	case wamp.MatchPrefix:
		return strings.HasPrefix(string(topic), string(pattern))
	case wamp.MatchWildcard:
		pat, t := string(pattern), string(topic)
		for {
			pc, prest, plast := next(pat)
			tc, trest, tlast := next(t)
			if pc != "" && pc != tc {
				return false
			}
			if plast || tlast {
				return plast == tlast
			}
			pat, t = prest, trest
		}
	}
	return pattern == topic
}
