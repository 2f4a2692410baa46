package router

import (
	"time"

	"github.com/autobahn-go/autobahn/wamp"
)

// Meta events (WAMP spec, "Session Meta API", "Registration Meta API",
// "Subscription Meta API"), published by the router to the realm they
// happen in, under realm.mu in the handling of what causes them:
//
//   - wamp.session.on_join(details) after the session's WELCOME;
//     wamp.session.on_leave(session, authid, authrole) when it has left,
//     after the meta events of its subscriptions and registrations and
//     after its testaments.
//   - wamp.registration.on_create(session, RegistrationDetails) then
//     on_register(session, registration) after REGISTERED;
//     on_unregister(session, registration) then, for the last callee,
//     on_delete(session, registration) — before UNREGISTERED, and when
//     the callee leaves.
//   - wamp.subscription.on_create, on_subscribe, on_unsubscribe and
//     on_delete likewise. A subscription kept without subscribers for its
//     event history counts as deleted (on_delete) when its last
//     subscriber goes, and as created again with the next one.
//
// A meta event goes to every subscription matching its topic (patterns
// included), each EVENT with a Details map of its own, under the
// realm's slow-subscriber policy like any event.

// emit publishes a meta event as the router; an event history of its
// topic (RealmConfig.EventHistory) keeps it as it keeps a client's.
func (rm *realm) emit(topic wamp.URI, args wamp.List) {
	var p *publication
	var now time.Time
	rm.subs.each(topic, func(sub *subscription, match string) {
		if p == nil {
			p = &publication{id: wamp.GlobalID(), topic: topic, aud: audience{excludeMe: true}, args: args,
				size: msgOverhead + payloadSize(args, nil, nil)}
		}
		if sub.history != nil { // history.go
			if now.IsZero() {
				now = time.Now()
			}
			sub.history.add(now, p)
		}
		for _, sb := range sub.subscribers {
			details := wamp.Dict{}
			if match != wamp.MatchExact {
				details["topic"] = string(topic)
			}
			ev := &wamp.Event{Subscription: sub.id, Publication: p.id, Details: details, Args: args}
			rm.pushEvent(sb, ev, p.size+valueSize(details, 0)) // broker.go
		}
	})
}

// metaJoined follows s's WELCOME.
func (rm *realm) metaJoined(s *session) {
	rm.emit("wamp.session.on_join", wamp.List{sessionDetails(s, true)})
}

// metaLeft follows s's removal from the realm: its testaments, then
// on_leave.
func (rm *realm) metaLeft(s *session) {
	rm.publishTestaments(s)
	rm.emit("wamp.session.on_leave", wamp.List{uint64(s.id), s.authid, s.authrole})
}

// metaRegistered follows the REGISTERED of s to reg; created when s's
// REGISTER made reg.
func (rm *realm) metaRegistered(s *session, reg *registration, created bool) {
	if created {
		rm.meta.created[reg.id] = metaNow()
		rm.emit("wamp.registration.on_create", wamp.List{uint64(s.id), rm.registrationDetails(reg)})
	}
	rm.emit("wamp.registration.on_register", wamp.List{uint64(s.id), uint64(reg.id)})
}

// metaUnregistered follows s's removal from reg; deleted when s was its
// last callee.
func (rm *realm) metaUnregistered(s *session, reg *registration, deleted bool) {
	rm.emit("wamp.registration.on_unregister", wamp.List{uint64(s.id), uint64(reg.id)})
	if deleted {
		delete(rm.meta.created, reg.id)
		rm.emit("wamp.registration.on_delete", wamp.List{uint64(s.id), uint64(reg.id)})
	}
}

// metaSubscribed follows the SUBSCRIBED of s to sub; created when s's
// SUBSCRIBE made sub.
func (rm *realm) metaSubscribed(s *session, sub *subscription, created bool) {
	if created {
		if _, ok := rm.meta.created[sub.id]; !ok {
			rm.meta.created[sub.id] = metaNow()
		}
		rm.emit("wamp.subscription.on_create", wamp.List{uint64(s.id), rm.subscriptionDetails(sub)})
	}
	rm.emit("wamp.subscription.on_subscribe", wamp.List{uint64(s.id), uint64(sub.id)})
}

// metaUnsubscribed follows s's removal from sub; deleted when s was its
// last subscriber.
func (rm *realm) metaUnsubscribed(s *session, sub *subscription, deleted bool) {
	rm.emit("wamp.subscription.on_unsubscribe", wamp.List{uint64(s.id), uint64(sub.id)})
	if deleted {
		if rm.subByID[sub.id] == nil { // else kept for its event history, subscribers or not
			delete(rm.meta.created, sub.id)
		}
		rm.emit("wamp.subscription.on_delete", wamp.List{uint64(s.id), uint64(sub.id)})
	}
}
