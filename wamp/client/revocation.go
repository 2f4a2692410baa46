package client

import "sync"

// Subscription revocation (WAMP spec, "Subscription Revocation"): the
// session announces subscriber.features.subscription_revocation, and a
// router that removes one of its subscriptions (wamp.subscription.
// remove_subscriber, say) sends UNSUBSCRIBED with Request 0 and
// Details.subscription. The subscription's handlers then get no more
// events, and every Subscription of that ID reports it: Revoked is
// closed, RevokedReason says why.

// revocation is a Subscription's revoked state; its zero value is "not
// revoked".
type revocation struct {
	mu     sync.Mutex
	done   chan struct{} // made by Revoked or revoke, closed by revoke
	closed bool
	reason string
}

func (r *revocation) chanLocked() chan struct{} {
	if r.done == nil {
		r.done = make(chan struct{})
	}
	return r.done
}

func (r *revocation) revoke(reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	r.closed, r.reason = true, reason
	close(r.chanLocked())
}

// Revoked returns a channel that is closed when the router revokes the
// subscription (UNSUBSCRIBED with Request 0): its handler gets no more
// events. It is not closed by Unsubscribe nor when the session ends
// (Session.Done tells that).
func (sub *Subscription) Revoked() <-chan struct{} {
	sub.rev.mu.Lock()
	defer sub.rev.mu.Unlock()
	return sub.rev.chanLocked()
}

// RevokedReason returns the reason the router gave for revoking the
// subscription (Details.reason; may be empty), and whether it was revoked.
func (sub *Subscription) RevokedReason() (string, bool) {
	sub.rev.mu.Lock()
	defer sub.rev.mu.Unlock()
	return sub.rev.reason, sub.rev.closed
}
