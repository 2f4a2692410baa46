package router

import (
	"slices"

	"github.com/autobahn-go/autobahn/wamp"
)

// subscription is one (topic, match) and its subscribers.
type subscription struct {
	id          wamp.ID
	uri         wamp.URI
	match       string
	subscribers map[wamp.ID]*session
}

func (rm *realm) subscribe(s *session, m *wamp.Subscribe) {
	match := matchOf(m.Options)
	if !rm.validURI(m.Topic, match) {
		rm.errorReply(s, wamp.TypeSubscribe, m.Request, wamp.ErrInvalidURI, "invalid topic URI: "+string(m.Topic))
		return
	}
	sub, ok := rm.subs.get(m.Topic, match)
	if !ok {
		sub = &subscription{id: rm.r.ids.Next(), uri: m.Topic, match: match, subscribers: map[wamp.ID]*session{}}
		rm.subs.set(m.Topic, match, sub)
		rm.subByID[sub.id] = sub
	}
	sub.subscribers[s.id] = s
	s.subs[sub.id] = sub
	rm.reply(s, &wamp.Subscribed{Request: m.Request, Subscription: sub.id})
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
	if len(sub.subscribers) == 0 {
		rm.subs.del(sub.uri, sub.match)
		delete(rm.subByID, sub.id)
	}
}

// audience is a PUBLISH's eligible and exclude lists.
type audience struct {
	excludeMe                         bool
	exclude, eligible                 []wamp.ID
	excludeAuthID, eligibleAuthID     []string
	excludeAuthRole, eligibleAuthRole []string
	hasEligible                       bool
}

func audienceOf(o wamp.Dict) audience {
	a := audience{excludeMe: true}
	if v, ok := o["exclude_me"].(bool); ok {
		a.excludeMe = v
	}
	a.exclude = idList(o["exclude"])
	a.excludeAuthID = stringList(o["exclude_authid"])
	a.excludeAuthRole = stringList(o["exclude_authrole"])
	_, e1 := o["eligible"]
	_, e2 := o["eligible_authid"]
	_, e3 := o["eligible_authrole"]
	a.hasEligible = e1 || e2 || e3
	a.eligible = idList(o["eligible"])
	a.eligibleAuthID = stringList(o["eligible_authid"])
	a.eligibleAuthRole = stringList(o["eligible_authrole"])
	return a
}

// admits reports whether sb gets an event published by pub. A subscriber
// is eligible when it is in any eligible list given (or none is given),
// and excluded when it is in any exclude list.
func (a *audience) admits(pub, sb *session) bool {
	if sb == pub && a.excludeMe {
		return false
	}
	if a.hasEligible && !slices.Contains(a.eligible, sb.id) && !slices.Contains(a.eligibleAuthID, sb.authid) &&
		!slices.Contains(a.eligibleAuthRole, sb.authrole) {
		return false
	}
	return !slices.Contains(a.exclude, sb.id) && !slices.Contains(a.excludeAuthID, sb.authid) &&
		!slices.Contains(a.excludeAuthRole, sb.authrole)
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

func (rm *realm) publish(s *session, m *wamp.Publish) {
	ack, _ := m.Options["acknowledge"].(bool)
	if !rm.validURI(m.Topic, wamp.MatchExact) {
		if ack {
			rm.errorReply(s, wamp.TypePublish, m.Request, wamp.ErrInvalidURI, "invalid topic URI: "+string(m.Topic))
		} else {
			rm.log.Info("wamp/router: PUBLISH to an invalid topic URI dropped", "session", s.id, "topic", m.Topic)
		}
		return
	}
	pubID := wamp.GlobalID()
	a := audienceOf(m.Options)
	disclose, _ := m.Options["disclose_me"].(bool)
	size := msgOverhead + payloadSize(m.Args, m.Kwargs, m.Payload)
	rm.subs.each(m.Topic, func(sub *subscription, match string) {
		for _, sb := range sub.subscribers {
			if !a.admits(s, sb) {
				continue
			}
			// Every EVENT has a Details map of its own: transports may
			// encode events for different subscribers concurrently.
			details := wamp.Dict{}
			if match != wamp.MatchExact {
				details["topic"] = string(m.Topic)
			}
			if disclose {
				details["publisher"] = uint64(s.id)
				details["publisher_authid"] = s.authid
				details["publisher_authrole"] = s.authrole
			}
			for _, k := range []string{"enc_algo", "enc_serializer", "enc_key"} {
				if v, ok := m.Options[k]; ok {
					details[k] = v
				}
			}
			ev := &wamp.Event{Subscription: sub.id, Publication: pubID, Details: details, Args: m.Args, Kwargs: m.Kwargs, Payload: m.Payload}
			switch sb.q.push(ev, size+valueSize(details, 0), limitSoft) {
			case pushed:
				sb.dropping = false
			case overLimit:
				rm.slowSubscriber(sb)
			}
		}
	})
	if ack {
		rm.reply(s, &wamp.Published{Request: m.Request, Publication: pubID})
	}
}

// slowSubscriber applies the realm's SlowPolicy to an event sb has no room for.
func (rm *realm) slowSubscriber(sb *session) {
	if rm.cfg.SlowSubscriber == SlowDrop {
		n := sb.dropped.Add(1)
		if !sb.dropping {
			sb.dropping = true
			rm.log.Warn("wamp/router: dropping events for a slow subscriber", "session", sb.id,
				"dropped_total", n, "soft_limit", rm.r.soft)
		}
		return
	}
	rm.condemn(sb, "event queue over its soft limit")
}
