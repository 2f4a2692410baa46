package router

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/autobahn-go/autobahn/wamp"
)

// RemoveSubscriber revokes the subscription subscriptionID of the session
// sessionID in realm (WAMP spec, "Subscription Revocation"; what the meta
// procedure wamp.subscription.remove_subscriber does): the session gets
// no more events of it, and when it announced
// roles.subscriber.features.subscription_revocation it gets
// UNSUBSCRIBED[0, {"subscription": subscriptionID, "reason": reason}]
// (reason left out when empty; longer than 256 octets, or not UTF-8, it
// is refused, wamp.error.invalid_argument, as the meta procedure refuses
// it); a
// session that did not announce the feature is told nothing, as the
// spec asks. The meta events
// wamp.subscription.on_unsubscribe (and on_delete for the last
// subscriber) follow. The subscription goes with its last subscriber
// (unless it keeps an event history). The error is a *RevokeError.
//
// Autobahn|Python (22.7) announces subscription_revocation but takes any
// UNSUBSCRIBED with request 0 for a protocol violation and drops its
// connection: revoking its subscription ends its session.
func (r *Router) RemoveSubscriber(realm wamp.URI, subscriptionID, sessionID wamp.ID, reason string) error {
	rm := r.realms[realm]
	if rm == nil {
		return &RevokeError{URI: wamp.ErrNoSuchRealm, Msg: "no realm " + string(realm)}
	}
	if len(reason) > maxRefusalURI {
		return &RevokeError{URI: wamp.ErrInvalidArgument, Msg: fmt.Sprintf("reason longer than %d octets", maxRefusalURI)}
	}
	if !utf8.ValidString(reason) { // no serializer carries it: the session would end
		return &RevokeError{URI: wamp.ErrInvalidArgument, Msg: "reason is not valid UTF-8"}
	}
	rm.lock()
	defer rm.unlock()
	if err := rm.removeSubscriber(subscriptionID, sessionID, reason); err != nil {
		var me *metaError
		errors.As(err, &me)
		return &RevokeError{URI: me.uri, Msg: me.msg}
	}
	return nil
}

// RevokeError is the error of RemoveSubscriber: the URI the meta
// procedure answers with (wamp.error.no_such_realm,
// wamp.error.no_such_subscription, wamp.error.no_such_session;
// wamp.error.invalid_argument for a reason too long) and a message.
type RevokeError struct {
	URI wamp.URI
	Msg string
}

// Error returns the error URI and the message.
func (e *RevokeError) Error() string { return "wamp/router: " + string(e.URI) + ": " + e.Msg }

// removeSubscriber is RemoveSubscriber with rm.mu held, for the meta
// procedure: its errors are *metaError (meta.go).
func (rm *realm) removeSubscriber(subID, sessID wamp.ID, reason string) error {
	sub := rm.subByID[subID]
	if sub == nil {
		return metaErr(wamp.ErrNoSuchSubscription, "no subscription %d", subID)
	}
	s := rm.sessions[sessID]
	if s == nil {
		return metaErr(errNoSuchSession, "no session %d in this realm", sessID)
	}
	if sub.subscribers[sessID] != s {
		return metaErr(wamp.ErrNoSuchSubscription, "session %d is not a subscriber of subscription %d", sessID, subID)
	}
	rm.dropSubscriber(sub, s)
	delete(s.subs, sub.id)
	if s.subRevocation {
		d := wamp.Dict{"subscription": uint64(subID)}
		if reason != "" {
			d["reason"] = reason
		}
		rm.reply(s, &wamp.Unsubscribed{Request: 0, Details: d})
	}
	rm.log.Debug("wamp/router: subscriber removed", "subscription", subID, "session", sessID, "reason", reason)
	return nil
}
