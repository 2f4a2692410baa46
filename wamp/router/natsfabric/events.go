package natsfabric

import (
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/nats-io/nats.go"
)

// Publications reach a router on the NATS subjects its subscriptions
// need (router.FabricInterest), all through one channel read by one
// goroutine, which keeps the NATS server's order of the messages of each
// publishing router across subjects. A message that matches several of
// the router's subjects comes once per subject, the copies one after the
// other in what comes from its router: the copies after the first are
// dropped by publication ID.

const (
	// eventQueue bounds the publications NATS delivered that wait for
	// the event goroutine; past it NATS drops them (a slow consumer).
	// Each is at most the server's max_payload.
	eventQueue = 1 << 14
	// maxSubject is the longest subject the fabric publishes or
	// subscribes to: the NATS server closes a connection whose
	// protocol line passes its max_control_line (4 KiB by default).
	maxSubject = 2048
	// interestFlushTimeout bounds the wait for the NATS server to
	// confirm a new subscription; past it the held SUBSCRIBE goes on.
	interestFlushTimeout = 5 * time.Second
)

// interest is the router's NATS subscriptions to publication subjects.
// Lock order: a realm's lock, then mu.
type interest struct {
	ch   chan *nats.Msg // every subject's messages, in the connection's order
	kick chan struct{}  // buffer 1: SUBSCRIBEs wait for a flush
	// early: the first of ch's, taken while the histories load at Start
	// (history.go: takeEarly); runEvents delivers them first.
	early []*nats.Msg

	mu       sync.Mutex
	on       bool // between Start and Close
	subjects map[string]*subjectSub
	waiting  []func()      // ready of held SUBSCRIBEs
	pending  []*subjectSub // subscribed, not flushed yet

	received, duplicates atomic.Uint64
}

// subjectSub is one NATS subscription: refs subscriptions of the router
// need its subject.
type subjectSub struct {
	subject string
	sub     *nats.Subscription
	refs    int
	pending bool // the server may not have it yet
}

// Stats are counters of a Fabric.
type Stats struct {
	// EventsReceived counts the publications NATS delivered to this
	// router, copies included.
	EventsReceived uint64
	// EventsDuplicate counts the copies dropped: a publication that
	// matches several of the router's NATS subjects comes once per
	// subject.
	EventsDuplicate uint64
	// Subjects is the number of NATS subjects the router subscribes to
	// for its realms' publications.
	Subjects int
}

// Stats returns the fabric's counters.
func (f *Fabric) Stats() Stats {
	f.ev.mu.Lock()
	n := len(f.ev.subjects)
	f.ev.mu.Unlock()
	return Stats{EventsReceived: f.ev.received.Load(), EventsDuplicate: f.ev.duplicates.Load(), Subjects: n}
}

// interestSubject returns the NATS subject that brings the publications
// a subscription (topic, match) of realm may want: an exact topic's own
// subject; a wildcard's, with '*' for its empty components; for a prefix,
// its whole components then '>'. A WAMP prefix matches by string ("com.a"
// matches "com.ab"), so its last component, which may be part of a
// longer one, is left out: the router's own matching sorts out what does
// not match. A prefix of one component is the realm's every
// publication.
func interestSubject(realm, topic wamp.URI, match string) string {
	var b strings.Builder
	b.WriteString(eventPrefix)
	appendToken(&b, string(realm), true)
	comps := strings.Split(string(topic), ".")
	if match == wamp.MatchPrefix {
		comps = comps[:len(comps)-1]
	}
	for _, c := range comps {
		b.WriteByte('.')
		if c == "" && match == wamp.MatchWildcard {
			b.WriteByte('*')
		} else {
			appendToken(&b, c, false)
		}
	}
	if match == wamp.MatchPrefix {
		b.WriteString(".>")
	}
	return b.String()
}

// startInterest subscribes to the subjects of the subscriptions the
// router has at Start (event histories'); Start's flush confirms them.
func (f *Fabric) startInterest() {
	f.ev.mu.Lock()
	f.ev.on = true
	f.ev.mu.Unlock()
	for _, realm := range f.link.Realms() {
		for _, s := range f.link.Subscriptions(realm) {
			f.SubscriptionChanged(realm, s.Topic, s.Match, true)
		}
	}
}

// goEvents starts the goroutines of the events and the interest (Start).
func (f *Fabric) goEvents() {
	f.wg.Add(2)
	go f.runEvents()
	go f.runInterest()
}

// subscribe makes the NATS subscription of subject; ev.mu is held.
func (f *Fabric) subscribeSubject(subject string) *subjectSub {
	s, err := f.nc.ChanSubscribe(subject, f.ev.ch)
	if err != nil {
		f.log.Warn("natsfabric: no NATS subscription: other routers' publications do not come", "subject", subject, "err", err)
		return nil
	}
	e := &subjectSub{subject: subject, sub: s}
	f.ev.subjects[subject] = e
	return e
}

// Interest implements router.FabricInterest: a SUBSCRIBE that makes a
// subscription whose subject the router has no NATS subscription for is
// held until the NATS server confirmed a new one (at most
// interestFlushTimeout).
func (f *Fabric) Interest(realm, topic wamp.URI, match string, ready func()) bool {
	subject := interestSubject(realm, topic, match)
	if len(subject) > maxSubject {
		return true // its publications are not federated (Publish)
	}
	f.ev.mu.Lock()
	defer f.ev.mu.Unlock()
	if !f.ev.on {
		return true
	}
	e := f.ev.subjects[subject]
	if e == nil {
		if e = f.subscribeSubject(subject); e == nil {
			return true
		}
		e.pending = true
		f.ev.pending = append(f.ev.pending, e)
	} else if !e.pending {
		return true
	}
	f.ev.waiting = append(f.ev.waiting, ready)
	select {
	case f.ev.kick <- struct{}{}:
	default:
	}
	return false
}

// SubscriptionChanged implements router.FabricInterest: the NATS
// subscription of a subject goes with the last subscription that needs
// it.
func (f *Fabric) SubscriptionChanged(realm, topic wamp.URI, match string, exists bool) {
	subject := interestSubject(realm, topic, match)
	if len(subject) > maxSubject {
		return
	}
	f.ev.mu.Lock()
	defer f.ev.mu.Unlock()
	if !f.ev.on {
		return
	}
	e := f.ev.subjects[subject]
	if exists {
		if e == nil {
			if e = f.subscribeSubject(subject); e == nil {
				return
			}
		}
		e.refs++
		return
	}
	if e == nil {
		return
	}
	if e.refs--; e.refs <= 0 && !e.pending {
		f.dropSubject(e)
	}
}

// dropSubject ends e's NATS subscription; ev.mu is held.
func (f *Fabric) dropSubject(e *subjectSub) {
	delete(f.ev.subjects, e.subject)
	if err := e.sub.Unsubscribe(); err != nil {
		f.log.Debug("natsfabric: unsubscribe failed", "subject", e.subject, "err", err)
	}
}

// runInterest confirms new NATS subscriptions with a flush, then lets
// the SUBSCRIBEs held for them go on.
func (f *Fabric) runInterest() {
	defer f.wg.Done()
	for {
		select {
		case <-f.stop:
			return
		case <-f.ev.kick:
		}
		f.ev.mu.Lock()
		waiting, pending := f.ev.waiting, f.ev.pending
		f.ev.waiting, f.ev.pending = nil, nil
		f.ev.mu.Unlock()
		if len(waiting) == 0 {
			continue
		}
		if err := f.nc.FlushTimeout(interestFlushTimeout); err != nil {
			f.log.Info("natsfabric: new subscriptions not confirmed by the NATS server", "err", err)
		}
		f.ev.mu.Lock()
		for _, e := range pending {
			e.pending = false
		}
		f.ev.mu.Unlock()
		for _, ready := range waiting {
			ready()
		}
		// A subject whose SUBSCRIBEs did not make a subscription (their
		// sessions left) goes.
		f.ev.mu.Lock()
		for _, e := range pending {
			if e.refs <= 0 && !e.pending && f.ev.subjects[e.subject] == e {
				f.dropSubject(e)
			}
		}
		f.ev.mu.Unlock()
	}
}

// stopInterest ends the NATS subscriptions and lets the held SUBSCRIBEs
// go on (Close, once runInterest returned).
func (f *Fabric) stopInterest() {
	f.ev.mu.Lock()
	f.ev.on = false
	for _, e := range f.ev.subjects {
		f.dropSubject(e)
	}
	waiting := f.ev.waiting
	f.ev.waiting, f.ev.pending = nil, nil
	f.ev.mu.Unlock()
	for _, ready := range waiting {
		ready()
	}
}

// lastEvent is the last publication that came from a router, and the
// pruning round it came in.
type lastEvent struct {
	id    wamp.ID
	round uint64
}

// runEvents delivers the publications of other routers to the local
// subscribers, one copy of each. The last publication ID per router is
// kept for as long as the router publishes, and at most one TTL after.
func (f *Fabric) runEvents() {
	defer f.wg.Done()
	last := map[string]lastEvent{}
	var round uint64
	t := time.NewTicker(f.opts.TTL)
	defer t.Stop()
	// history.go: the live copies of the publications loaded at Start
	// are dropped until the first tick (one TTL): NATS may deliver one
	// after the stream's copy was read, and after later publications.
	loaded := f.takeLoaded()
	for _, msg := range f.ev.early {
		if loaded == nil || !wasLoaded(msg, loaded) {
			f.onEvent(msg, last, round)
		}
	}
	f.ev.early = nil
	for {
		select {
		case <-f.stop:
			return
		case msg := <-f.ev.ch:
			if loaded == nil || !wasLoaded(msg, loaded) {
				f.onEvent(msg, last, round)
			}
		case <-t.C:
			loaded = nil
			for node, e := range last {
				if e.round != round {
					delete(last, node)
				}
			}
			round++
		}
	}
}

// onEvent delivers another router's publication to the local
// subscribers, unless it is a copy of the one before from its router.
func (f *Fabric) onEvent(msg *nats.Msg, last map[string]lastEvent, round uint64) {
	f.ev.received.Add(1)
	realm, topic, err := ParseSubject(msg.Subject)
	if err != nil {
		return
	}
	node, p, err := decodeEvent(msg.Data, realm, topic)
	if err != nil {
		f.log.Info("natsfabric: undecodable event", "subject", msg.Subject, "err", err)
		return
	}
	if node == f.node {
		return // our own, delivered locally already
	}
	if l, ok := last[node]; ok && l.id == p.ID {
		f.ev.duplicates.Add(1)
		return
	}
	last[node] = lastEvent{id: p.ID, round: round}
	if err := f.link.Publish(p); err != nil {
		f.log.Info("natsfabric: event not delivered", "subject", msg.Subject, "err", err)
	}
}
