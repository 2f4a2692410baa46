package client

import (
	"context"
	"sync/atomic"

	"github.com/autobahn-go/autobahn/wamp"
)

// EventHandler receives the events of a subscription, one at a time, in order.
type EventHandler func(*wamp.Event)

// SubscribeOptions configure Subscribe.
type SubscribeOptions struct {
	Match       string // "", "exact", "prefix" or "wildcard"; Subscribe refuses others
	GetRetained bool   // ask for the topic's retained event (for this Subscription only)
	Options     wamp.Dict
}

// Subscription is one Subscribe call; several may share a router
// subscription ID.
type Subscription struct {
	ID      wamp.ID
	Topic   wamp.URI
	handler EventHandler
	rev     revocation // the router's revocation (revocation.go)
	// off is set by Unsubscribe and the router's revocation: the events
	// still waiting in the event queue are not handed to handler.
	off atomic.Bool
}

// Subscribe subscribes h to topic.
func (s *Session) Subscribe(ctx context.Context, topic wamp.URI, h EventHandler, opts *SubscribeOptions) (*Subscription, error) {
	if opts == nil {
		opts = &SubscribeOptions{}
	}
	if err := checkMatch(opts.Match); err != nil {
		return nil, err
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
	if err := checkURI("topic", topic, optionMatch(options)); err != nil {
		return nil, err
	}
	getRetained, _ := options["get_retained"].(bool)
	r := &Subscription{Topic: topic, handler: h}
	for {
		// doomed: the router answered this SUBSCRIBE with a subscription
		// that an UNSUBSCRIBE of this session, not answered yet, is about to
		// end (see unsubscribing); closed once that UNSUBSCRIBE is answered.
		var doomed chan struct{}
		install := func(a wamp.Message) {
			if sub, ok := a.(*wamp.Subscribed); ok {
				s.mu.Lock()
				if u := s.unsubs[sub.Subscription]; u != nil {
					doomed = u.done
				} else {
					r.ID = sub.Subscription
					s.subs[r.ID] = append(s.subs[r.ID], r)
					// The retained events the router sends next (WAMP
					// spec, "Event Retention") are this Subscribe's.
					if getRetained {
						if s.retainedTo == nil {
							s.retainedTo = map[wamp.ID]*Subscription{}
						}
						s.retainedTo[r.ID] = r
					} else {
						delete(s.retainedTo, r.ID)
					}
				}
				s.mu.Unlock()
			}
		}
		// A SUBSCRIBED that comes after ctx ended subscribed for no handler:
		// unsubscribe unless another Subscription of this session shares the
		// router's subscription (as Unsubscribe does; its UNSUBSCRIBED is
		// dropped) or an UNSUBSCRIBE on its way ends it anyway.
		late := func(a wamp.Message) {
			sub, ok := a.(*wamp.Subscribed)
			if !ok {
				return
			}
			s.mu.Lock()
			undo := len(s.subs[sub.Subscription]) == 0 && s.unsubs[sub.Subscription] == nil
			if undo {
				s.startUnsubscribe(sub.Subscription)
			} else if getRetained && len(s.subs[sub.Subscription]) > 0 {
				// The retained events that follow are r's, which is not
				// installed: nobody's.
				if s.retainedTo == nil {
					s.retainedTo = map[wamp.ID]*Subscription{}
				}
				s.retainedTo[sub.Subscription] = r
			}
			s.mu.Unlock()
			if undo {
				// Not on the reader, which must not wait for the write.
				go s.unsubscribe(s.ctx, sub.Subscription)
			}
		}
		id := s.ids.Next()
		a, err := s.roundTrip(ctx, id, &wamp.Subscribe{Request: id, Options: options, Topic: topic}, install, late)
		if err != nil {
			return nil, err
		}
		if _, ok := a.(*wamp.Subscribed); !ok {
			return nil, &wamp.ProtocolError{Msg: "SUBSCRIBE answered with " + a.Type().String()}
		}
		if doomed == nil {
			return r, nil
		}
		// Subscribe again once the router has ended the subscription.
		select {
		case <-doomed:
		case <-s.ending:
			return nil, s.closedErr()
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// unsubscribing counts the UNSUBSCRIBEs of one router subscription that this
// session sent and whose answer it has not read yet. The router keeps one
// subscription per session and topic, gives every SUBSCRIBE of the topic the
// same subscription ID, and handles a session's messages in order: a
// SUBSCRIBED for that ID read before the UNSUBSCRIBE's answer was given
// before the UNSUBSCRIBE, which then ends the subscription for the new
// Subscription too. Subscribe waits for done and subscribes again instead of
// returning a Subscription that gets no events.
type unsubscribing struct {
	n    int
	done chan struct{} // closed when n falls to 0
}

// startUnsubscribe counts an UNSUBSCRIBE of sid about to be sent; s.mu held.
func (s *Session) startUnsubscribe(sid wamp.ID) {
	u := s.unsubs[sid]
	if u == nil {
		if s.unsubs == nil {
			s.unsubs = map[wamp.ID]*unsubscribing{}
		}
		u = &unsubscribing{done: make(chan struct{})}
		s.unsubs[sid] = u
	}
	u.n++
}

// unsubscribe sends the UNSUBSCRIBE of sid counted by startUnsubscribe, waits
// for its answer (or ctx) and returns the router's error, if any. The count
// falls when the answer is read, also after ctx ended, or at once when the
// message could not be sent.
func (s *Session) unsubscribe(ctx context.Context, sid wamp.ID) error {
	ended := false
	end := func(wamp.Message) {
		s.mu.Lock()
		defer s.mu.Unlock()
		if ended {
			return
		}
		ended = true
		if u := s.unsubs[sid]; u != nil {
			if u.n--; u.n == 0 {
				delete(s.unsubs, sid)
				close(u.done)
			}
		}
	}
	id := s.ids.Next()
	_, err := s.roundTrip(ctx, id, &wamp.Unsubscribe{Request: id, Subscription: sid}, end, end)
	if err != nil {
		s.mu.Lock()
		_, waiting := s.pending[id]
		s.mu.Unlock()
		if !waiting {
			// Answered (end ran), or never to be: not sent, or the session
			// ended.
			end(nil)
		}
	}
	return err
}

// Unsubscribe removes sub; the router is told when no other Subscription
// of this session shares its ID. Its handler does not start again once
// Unsubscribe is called, not even for events received before.
func (s *Session) Unsubscribe(ctx context.Context, sub *Subscription) error {
	sub.off.Store(true)
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
	delete(s.retainedTo, sub.ID)
	s.startUnsubscribe(sub.ID)
	s.mu.Unlock()
	return s.unsubscribe(ctx, sub.ID)
}

// PublishOptions configure Publish.
type PublishOptions struct {
	// Acknowledge makes Publish wait for PUBLISHED (or ERROR). An
	// "acknowledge" in Options overrides it.
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
	if err := checkURI("topic", topic, ""); err != nil {
		return err
	}
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
		// Options, merged last, have the last word: the router answers
		// (or not) as the message says.
		ack, _ = options["acknowledge"].(bool)
	}
	id := s.ids.Next()
	m := &wamp.Publish{Request: id, Options: options, Topic: topic, Args: args, Kwargs: kwargs}
	if !ack {
		return s.send(ctx, m)
	}
	_, err := s.roundTrip(ctx, id, m, nil, nil)
	return err
}
