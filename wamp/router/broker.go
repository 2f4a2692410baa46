package router

import (
	"slices"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
)

// subscription is one (topic, match) and its subscribers.
type subscription struct {
	id          wamp.ID
	uri         wamp.URI
	match       string
	subscribers map[wamp.ID]*session
	history     *historyRing // RealmConfig.EventHistory; nil when not configured
}

func (rm *realm) subscribe(s *session, m *wamp.Subscribe) { rm.subscribeFetched(s, m, false) }

// subscribeFetched is subscribe; fetched says a FabricRetain has filled
// the retained store for m already (fabric_retain.go).
func (rm *realm) subscribeFetched(s *session, m *wamp.Subscribe, fetched bool) {
	match := matchOf(m.Options)
	if !rm.validURI(m.Topic, match) {
		rm.errorReply(s, wamp.TypeSubscribe, m.Request, wamp.ErrInvalidURI, "invalid topic URI: "+echo(m.Topic)) // meta.go
		return
	}
	sub, ok := rm.subs.get(m.Topic, match)
	if rm.subscribeLimitReached(s, m, sub) { // limits_session.go
		return
	}
	getRetained, _ := m.Options["get_retained"].(bool)
	if getRetained && !fetched && rm.fabricRetainHold(s, m, match) { // fabric_retain.go: the cluster's retained events
		return
	}
	if !ok && rm.fabricHold(s, m, match, fetched) { // fabric_meta.go: SUBSCRIBE again once the fabric is ready
		return
	}
	if !ok {
		sub = &subscription{id: rm.r.ids.Next(), uri: m.Topic, match: match, subscribers: map[wamp.ID]*session{}}
		rm.subs.set(m.Topic, match, sub)
		rm.subByID[sub.id] = sub
		rm.fabricSubChanged(sub, true) // fabric_meta.go: before SUBSCRIBED
	}
	added, fresh := sub.subscribers[s.id] == nil, len(sub.subscribers) == 0 // meta events
	sub.subscribers[s.id] = s
	s.addSub(sub)
	rm.reply(s, &wamp.Subscribed{Request: m.Request, Subscription: sub.id})
	if added {
		rm.metaSubscribed(s, sub, fresh) // meta_events.go
	}
	if getRetained {
		rm.retain.send(rm, s, sub) // retain.go
	}
}

func (rm *realm) unsubscribe(s *session, m *wamp.Unsubscribe) {
	sub := s.subs[m.Subscription]
	if sub == nil {
		rm.errorReply(s, wamp.TypeUnsubscribe, m.Request, wamp.ErrNoSuchSubscription)
		return
	}
	rm.dropSubscriber(sub, s)
	delete(s.subs, sub.id)
	rm.reply(s, &wamp.Unsubscribed{Request: m.Request})
}

func (rm *realm) dropSubscriber(sub *subscription, s *session) {
	delete(sub.subscribers, s.id)
	if len(sub.subscribers) == 0 && sub.history == nil { // a history's subscription stays (history.go)
		rm.subs.del(sub.uri, sub.match)
		delete(rm.subByID, sub.id)
		rm.fabricSubChanged(sub, false) // fabric_meta.go
	}
	rm.metaUnsubscribed(s, sub, len(sub.subscribers) == 0) // meta_events.go
}

// audience is a PUBLISH's eligible and exclude lists.
type audience struct {
	excludeMe                         bool
	exclude, eligible                 []wamp.ID
	excludeAuthID, eligibleAuthID     []string
	excludeAuthRole, eligibleAuthRole []string
	// Which eligible lists were given: each one given restricts, an
	// empty one to nobody.
	hasEligible, hasEligibleAuthID, hasEligibleAuthRole bool
}

func audienceOf(o wamp.Dict) audience {
	a := audience{excludeMe: true}
	if v, ok := o["exclude_me"].(bool); ok {
		a.excludeMe = v
	}
	a.exclude = idList(o["exclude"])
	a.excludeAuthID = stringList(o["exclude_authid"])
	a.excludeAuthRole = stringList(o["exclude_authrole"])
	_, a.hasEligible = o["eligible"]
	_, a.hasEligibleAuthID = o["eligible_authid"]
	_, a.hasEligibleAuthRole = o["eligible_authrole"]
	a.eligible = idList(o["eligible"])
	a.eligibleAuthID = stringList(o["eligible_authid"])
	a.eligibleAuthRole = stringList(o["eligible_authrole"])
	return a
}

// admits reports whether sb gets an event published by session pub: the
// WAMP spec's conditions all hold ("Subscriber Black- and
// Whitelisting"): sb is in every eligible list given, and in no exclude
// list.
func (a *audience) admits(pub wamp.ID, sb *session) bool {
	if sb.id == pub && a.excludeMe {
		return false
	}
	if a.hasEligible && !slices.Contains(a.eligible, sb.id) || slices.Contains(a.exclude, sb.id) {
		return false
	}
	return a.admitsPrincipal(sb.authid, sb.authrole) // history.go
}

func idList(v any) []wamp.ID {
	l, _ := v.([]any)
	out := make([]wamp.ID, 0, len(l))
	for _, e := range l {
		if id, ok := wamp.AsID(e); ok {
			out = append(out, id)
		}
	}
	return out
}

func stringList(v any) []string {
	switch l := v.(type) {
	case []string:
		return l
	case []any:
		out := make([]string, 0, len(l))
		for _, e := range l {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// publication is one PUBLISH as its EVENTs need it: delivered now,
// kept as the topic's retained event (retain.go) or in a history ring
// (history.go). Args, Kwargs and Payload are the PUBLISH's own, shared
// by every EVENT and never modified.
type publication struct {
	id        wamp.ID
	topic     wamp.URI
	publisher wamp.ID
	authid    string // the publisher's
	authrole  string
	disclose  bool
	trusted   bool // trustlevel is set
	trust     int64
	aud       audience
	passthru  wamp.Dict // the enc_* and ppt_* options; nil when none
	args      wamp.List
	kwargs    wamp.Dict
	payload   []byte
	size      int // estimated encoded size of an EVENT without its Details
}

func (rm *realm) newPublication(s *session, m *wamp.Publish) *publication {
	p := &publication{
		id: wamp.GlobalID(), topic: m.Topic, publisher: s.id, authid: s.authid, authrole: s.authrole,
		aud: audienceOf(m.Options), args: m.Args, kwargs: m.Kwargs, payload: m.Payload,
		size: msgOverhead + payloadSize(m.Args, m.Kwargs, m.Payload),
	}
	p.disclose, _ = m.Options["disclose_me"].(bool)
	if lvl, ok := rm.cfg.PublicationTrustLevels[s.authrole]; ok {
		p.trusted, p.trust = true, int64(lvl)
	}
	for _, k := range passthruKeys {
		if _, ok := m.Options[k]; ok {
			p.passthru = wamp.Dict{}
			copyPassthru(p.passthru, m.Options)
			break
		}
	}
	return p
}

// details returns a new Details map for an EVENT of p to a subscription
// of match. Every EVENT has a Details map of its own: transports may
// encode events for different subscribers concurrently.
func (p *publication) details(match string) wamp.Dict {
	d := wamp.Dict{}
	if match != wamp.MatchExact {
		d["topic"] = string(p.topic)
	}
	if p.disclose {
		d["publisher"] = uint64(p.publisher)
		d["publisher_authid"] = p.authid
		d["publisher_authrole"] = p.authrole
	}
	if p.trusted {
		d["trustlevel"] = p.trust
	}
	for k, v := range p.passthru {
		d[k] = v
	}
	return d
}

// deliver queues an EVENT of p for sb under the realm's slow-subscriber
// policy. For a subscriber whose transport sends pre-encoded messages the
// EVENT is encoded here: one its serializer cannot carry (a NaN or an
// infinity, which a MessagePack or CBOR publisher may send, for JSON) is
// dropped, logged and counted as one too large for its transport is
// (payload_size.go), instead of failing its transport and ending its
// session. The fan-out (fanout.go) comes here for the subscribers it
// could not encode for.
func (rm *realm) deliver(sb *session, subID wamp.ID, p *publication, details wamp.Dict) {
	ev := &wamp.Event{Subscription: subID, Publication: p.id, Details: details, Args: p.args, Kwargs: p.kwargs, Payload: p.payload}
	if sb.enc == nil {
		rm.pushEvent(sb, ev, p.size+valueSize(details, 0))
		return
	}
	if sb.q.isClosed() {
		return // condemned or leaving: nothing to encode for
	}
	b, err := sb.enc.AppendMessage(nil, ev)
	if err != nil {
		rm.undeliverable(sb, ev, unencodable) // payload_size.go: dropped and counted
		return
	}
	rm.pushEvent(sb, &wamp.Encoded{Message: ev, Serializer: sb.enc, Bytes: b}, len(b))
}

// pushEvent queues an EVENT (or its encoding, fanout.go) of size for sb
// under the realm's slow-subscriber policy.
func (rm *realm) pushEvent(sb *session, ev wamp.Message, size int) {
	switch res := sb.q.push(ev, size, limitSoft); res {
	case pushed:
		sb.dropping = false
	case overLimit:
		rm.slowSubscriber(sb)
	case tooLarge, unencodable:
		rm.undeliverable(sb, ev, res) // payload_size.go: dropped and counted
	}
}

// publish routes a PUBLISH; it returns a non-empty text for a protocol
// violation.
func (rm *realm) publish(s *session, m *wamp.Publish) string {
	if msg := s.pptViolation("publisher", wamp.TypePublish, m.Options); msg != "" {
		return msg
	}
	ack, _ := m.Options["acknowledge"].(bool)
	if why := rm.badTopic(m.Topic); why != "" {
		if ack {
			rm.errorReply(s, wamp.TypePublish, m.Request, wamp.ErrInvalidURI, why+": "+echo(m.Topic))
		} else {
			rm.log.Info("wamp/router: PUBLISH dropped: "+why, "session", s.id, "topic", echo(m.Topic))
		}
		return ""
	}
	p := rm.newPublication(s, m)
	var now time.Time
	rm.subs.each(m.Topic, func(sub *subscription, match string) {
		if sub.history != nil && p.historic() {
			if now.IsZero() {
				now = time.Now()
			}
			sub.history.add(now, p)
		}
		f := fanout{rm: rm, p: p, subID: sub.id, match: match} // fanout.go
		for _, sb := range sub.subscribers {
			if p.aud.admits(p.publisher, sb) {
				f.deliver(sb)
			}
		}
	})
	if f := rm.r.cfg.Fabric; f != nil {
		rm.fabricPublish(f, m, p) // fabric.go
	}
	if retain, _ := m.Options["retain"].(bool); retain && rm.retain.maxTopics >= 0 {
		rm.fabricRetain(m, p, rm.retain.keep(rm, p)) // retain.go, fabric_retain.go
	}
	if ack {
		rm.reply(s, &wamp.Published{Request: m.Request, Publication: p.id})
	}
	return ""
}

// badTopic says why a session may not publish to topic (a PUBLISH, or a
// testament): an invalid URI, or one in the "wamp" namespace, which the
// spec reserves and where the router publishes its meta events (a client
// could forge them there; Crossbar refuses these too). "" when it may.
func (rm *realm) badTopic(topic wamp.URI) string {
	switch {
	case !rm.validURI(topic, wamp.MatchExact):
		return "invalid topic URI"
	case reservedURI(topic): // dealer.go
		return "topic URI reserved for the router"
	}
	return ""
}

// slowSubscriber applies the realm's SlowPolicy to an event sb has no room for.
func (rm *realm) slowSubscriber(sb *session) {
	if rm.cfg.SlowSubscriber == SlowDrop {
		n := sb.dropped.Add(1)
		rm.r.stats.dropped.Add(1)
		if !sb.dropping {
			sb.dropping = true
			rm.log.Warn("wamp/router: dropping events for a slow subscriber", "session", sb.id,
				"dropped_total", n, "soft_limit", rm.soft)
		}
		return
	}
	rm.condemn(sb, "event queue over its soft limit")
}
