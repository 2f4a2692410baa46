package router

import (
	"slices"

	"github.com/autobahn-go/autobahn/wamp"
)

// Subscription meta procedures (WAMP spec, "Subscription Meta API"; and
// remove_subscriber as Crossbar has it):
//
//	wamp.subscription.list() → {exact: [id…], prefix: [id…], wildcard: [id…]}
//	wamp.subscription.lookup(topic, options?) → id | null
//	wamp.subscription.match(topic) → [id…] (every subscription an event would reach; [] for none)
//	wamp.subscription.get(id) → {id, created, uri, match}
//	wamp.subscription.list_subscribers(id) → [session…]
//	wamp.subscription.count_subscribers(id) → count
//	wamp.subscription.remove_subscriber(id, session, reason?)
//
// Unknown subscriptions answer wamp.error.no_such_subscription, an
// unknown session wamp.error.no_such_session. A subscription the realm
// keeps for its event history while nobody is subscribed does not exist
// for these procedures.
//
// wamp.subscription.match answers [] rather than the spec's null when
// nothing matches: lists are never null here.

func (rm *realm) initSubscriptionMeta() {
	rm.registerMeta("wamp.subscription.list", rm.metaSubList)
	rm.registerMeta("wamp.subscription.lookup", rm.metaSubLookup)
	rm.registerMeta("wamp.subscription.match", rm.metaSubMatch)
	rm.registerMeta("wamp.subscription.get", rm.metaSubGet)
	rm.registerMeta("wamp.subscription.list_subscribers", rm.metaSubListSubscribers)
	rm.registerMeta("wamp.subscription.count_subscribers", rm.metaSubCountSubscribers)
	rm.registerMeta("wamp.subscription.remove_subscriber", rm.metaSubRemoveSubscriber)
}

func (rm *realm) metaSubList(_ *session, _ wamp.List, _ wamp.Dict) (wamp.List, wamp.Dict, error) {
	live := make(map[wamp.ID]*subscription, len(rm.subByID))
	for id, sub := range rm.subByID {
		if len(sub.subscribers) > 0 {
			live[id] = sub
		}
	}
	return wamp.List{byMatch(live, func(s *subscription) string { return s.match })}, nil, nil
}

func (rm *realm) metaSubLookup(_ *session, args wamp.List, _ wamp.Dict) (wamp.List, wamp.Dict, error) {
	uri, err := argString(args, 0, "topic")
	if err != nil {
		return nil, nil, err
	}
	opts, err := argDict(args, 1, "options")
	if err != nil {
		return nil, nil, err
	}
	match, err := argMatch(opts)
	if err != nil {
		return nil, nil, err
	}
	sub, ok := rm.subs.get(wamp.URI(uri), match)
	if !ok || len(sub.subscribers) == 0 {
		return nullableID(0, false), nil, nil
	}
	return nullableID(sub.id, true), nil, nil
}

func (rm *realm) metaSubMatch(_ *session, args wamp.List, _ wamp.Dict) (wamp.List, wamp.Dict, error) {
	uri, err := argString(args, 0, "topic")
	if err != nil {
		return nil, nil, err
	}
	var ids []wamp.ID
	rm.subs.each(wamp.URI(uri), func(sub *subscription, _ string) {
		if len(sub.subscribers) > 0 {
			ids = append(ids, sub.id)
		}
	})
	slices.Sort(ids)
	return wamp.List{idsOf(ids)}, nil, nil
}

// subscriptionArg returns the subscription args[0] names.
func (rm *realm) subscriptionArg(args wamp.List) (*subscription, error) {
	id, err := argID(args, 0, "subscription")
	if err != nil {
		return nil, err
	}
	sub := rm.subByID[id]
	if sub == nil || len(sub.subscribers) == 0 {
		return nil, metaErr(wamp.ErrNoSuchSubscription, "no subscription %d in this realm", id)
	}
	return sub, nil
}

// subscriptionDetails is the SubscriptionDetails dict of get and on_create.
func (rm *realm) subscriptionDetails(sub *subscription) wamp.Dict {
	return wamp.Dict{"id": uint64(sub.id), "created": rm.meta.created[sub.id], "uri": string(sub.uri), "match": sub.match}
}

func (rm *realm) metaSubGet(_ *session, args wamp.List, _ wamp.Dict) (wamp.List, wamp.Dict, error) {
	sub, err := rm.subscriptionArg(args)
	if err != nil {
		return nil, nil, err
	}
	return wamp.List{rm.subscriptionDetails(sub)}, nil, nil
}

func (rm *realm) metaSubListSubscribers(_ *session, args wamp.List, _ wamp.Dict) (wamp.List, wamp.Dict, error) {
	sub, err := rm.subscriptionArg(args)
	if err != nil {
		return nil, nil, err
	}
	ids := make([]wamp.ID, 0, len(sub.subscribers))
	for id := range sub.subscribers {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return wamp.List{idsOf(ids)}, nil, nil
}

func (rm *realm) metaSubCountSubscribers(_ *session, args wamp.List, _ wamp.Dict) (wamp.List, wamp.Dict, error) {
	sub, err := rm.subscriptionArg(args)
	if err != nil {
		return nil, nil, err
	}
	return wamp.List{len(sub.subscribers)}, nil, nil
}

// metaSubRemoveSubscriber is wamp.subscription.remove_subscriber(
// subscription, subscriber, reason?): subscription revocation
// (Router.RemoveSubscriber); the meta events on_unsubscribe, and on_delete
// for the last subscriber, follow.
func (rm *realm) metaSubRemoveSubscriber(_ *session, args wamp.List, kwargs wamp.Dict) (wamp.List, wamp.Dict, error) {
	sub, err := rm.subscriptionArg(args)
	if err != nil {
		return nil, nil, err
	}
	id, err := argID(args, 1, "subscriber")
	if err != nil {
		return nil, nil, err
	}
	reason, err := reasonArg(args, 2, kwargs)
	if err != nil {
		return nil, nil, err
	}
	if err := rm.removeSubscriber(sub.id, id, reason); err != nil { // broker_revoke.go
		return nil, nil, err
	}
	return nil, nil, nil
}
