package client

import (
	"context"

	"github.com/autobahn-go/autobahn/wamp"
)

// EventHandler receives the events of a subscription, one at a time, in order.
type EventHandler func(*wamp.Event)

// SubscribeOptions configure Subscribe.
type SubscribeOptions struct {
	Match       string // "", "prefix" or "wildcard"
	GetRetained bool   // ask for the topic's retained event
	Options     wamp.Dict
}

// Subscription is one Subscribe call; several may share a router
// subscription ID.
type Subscription struct {
	ID      wamp.ID
	Topic   wamp.URI
	handler EventHandler
	rev     revocation // the router's revocation (revocation.go)
}

// Subscribe subscribes h to topic.
func (s *Session) Subscribe(ctx context.Context, topic wamp.URI, h EventHandler, opts *SubscribeOptions) (*Subscription, error) {
	if opts == nil {
		opts = &SubscribeOptions{}
	}
	options := wamp.Dict{}
	if opts.Match != "" && opts.Match != wamp.MatchExact {
		options["match"] = opts.Match
	}
	if opts.GetRetained {
		options["get_retained"] = true
	}
	for k, v := range opts.Options {
		options[k] = v
	}
	id := s.ids.Next()
	r := &Subscription{Topic: topic, handler: h}
	install := func(a wamp.Message) {
		if sub, ok := a.(*wamp.Subscribed); ok {
			r.ID = sub.Subscription
			s.mu.Lock()
			s.subs[r.ID] = append(s.subs[r.ID], r)
			s.mu.Unlock()
		}
	}
	// A SUBSCRIBED that comes after ctx ended subscribed for no handler:
	// unsubscribe unless another Subscription of this session shares the
	// router's subscription (as Unsubscribe does; its UNSUBSCRIBED is
	// dropped).
	late := func(a wamp.Message) {
		sub, ok := a.(*wamp.Subscribed)
		if !ok {
			return
		}
		s.mu.Lock()
		shared := len(s.subs[sub.Subscription]) > 0
		s.mu.Unlock()
		if !shared {
			// Not on the reader, which must not wait for the write.
			uid := s.ids.Next()
			go s.send(s.ctx, &wamp.Unsubscribe{Request: uid, Subscription: sub.Subscription})
		}
	}
	a, err := s.roundTrip(ctx, id, &wamp.Subscribe{Request: id, Options: options, Topic: topic}, install, late)
	if err != nil {
		return nil, err
	}
	if _, ok := a.(*wamp.Subscribed); !ok {
		return nil, &wamp.ProtocolError{Msg: "SUBSCRIBE answered with " + a.Type().String()}
	}
	return r, nil
}

// Unsubscribe removes sub; the router is told when no other Subscription
// of this session shares its ID.
func (s *Session) Unsubscribe(ctx context.Context, sub *Subscription) error {
	s.mu.Lock()
	list := s.subs[sub.ID]
	for i, x := range list {
		if x == sub {
			list = append(list[:i:i], list[i+1:]...)
			break
		}
	}
	if len(list) > 0 {
		s.subs[sub.ID] = list
		s.mu.Unlock()
		return nil
	}
	delete(s.subs, sub.ID)
	s.mu.Unlock()
	id := s.ids.Next()
	_, err := s.roundTrip(ctx, id, &wamp.Unsubscribe{Request: id, Subscription: sub.ID}, nil, nil)
	return err
}

// PublishOptions configure Publish.
type PublishOptions struct {
	// Acknowledge makes Publish wait for PUBLISHED (or ERROR).
	Acknowledge bool
	// IncludeMe delivers the event to the publishing session too, when it
	// subscribes to the topic (exclude_me=false). By default the router
	// leaves the publisher out (exclude_me=true, WAMP spec "Publisher
	// Exclusion"), so a session that publishes to a topic it subscribed to
	// does not get its own event back unless IncludeMe is set.
	IncludeMe bool
	// Exclude and Eligible lists by session ID, authid and authrole.
	Exclude, Eligible                 []wamp.ID
	ExcludeAuthID, EligibleAuthID     []string
	ExcludeAuthRole, EligibleAuthRole []string
	// Retain asks the broker to keep the event for later subscribers.
	Retain bool
	// DiscloseMe asks the broker to tell subscribers who publishes.
	DiscloseMe bool
	Options    wamp.Dict
}

// Publish publishes an event to topic. Without Acknowledge it returns once
// the message is written. The publisher's own subscription does not get
// the event unless PublishOptions.IncludeMe is set (the router's default
// exclude_me=true).
func (s *Session) Publish(ctx context.Context, topic wamp.URI, args wamp.List, kwargs wamp.Dict, opts *PublishOptions) error {
	options := wamp.Dict{}
	ack := false
	if opts != nil {
		ack = opts.Acknowledge
		if ack {
			options["acknowledge"] = true
		}
		if opts.IncludeMe {
			options["exclude_me"] = false
		}
		ids := func(key string, l []wamp.ID) {
			if l != nil {
				v := make([]any, len(l))
				for i, id := range l {
					v[i] = uint64(id)
				}
				options[key] = v
			}
		}
		strs := func(key string, l []string) {
			if l != nil {
				v := make([]any, len(l))
				for i, s := range l {
					v[i] = s
				}
				options[key] = v
			}
		}
		ids("exclude", opts.Exclude)
		ids("eligible", opts.Eligible)
		strs("exclude_authid", opts.ExcludeAuthID)
		strs("eligible_authid", opts.EligibleAuthID)
		strs("exclude_authrole", opts.ExcludeAuthRole)
		strs("eligible_authrole", opts.EligibleAuthRole)
		if opts.Retain {
			options["retain"] = true
		}
		if opts.DiscloseMe {
			options["disclose_me"] = true
		}
		for k, v := range opts.Options {
			options[k] = v
		}
	}
	id := s.ids.Next()
	m := &wamp.Publish{Request: id, Options: options, Topic: topic, Args: args, Kwargs: kwargs}
	if !ack {
		return s.send(ctx, m)
	}
	_, err := s.roundTrip(ctx, id, m, nil, nil)
	return err
}
