package router

import (
	"fmt"
	"unicode/utf8"

	"github.com/autobahn-go/autobahn/wamp"
)

// Registration revocation (WAMP spec, "Registration Revocation").

// errNoSuchSessionURI is the error URI for an unknown session ID (the
// meta API's wamp.error.no_such_session).
const errNoSuchSessionURI wamp.URI = "wamp.error.no_such_session"

// RemoveCallee revokes the registration registrationID of the session
// sessionID in realm: the session stops being a callee of it as if it
// had unregistered (the registration goes when it was the last callee).
// A session that announced callee.features.registration_revocation gets
// UNREGISTERED with request ID 0 and Details {registration, reason}
// (reason left out when empty); other sessions are not told. The calls
// the session is running for that registration end at once: their
// callers get ERROR wamp.error.canceled, the callee INTERRUPT killnowait
// (when it announced call_canceling), and its late answers are dropped.
//
// The error, when there is one, names wamp.error.no_such_realm,
// wamp.error.no_such_session or wamp.error.no_such_registration (the
// session is not a callee of that registration). It is what the meta
// procedure wamp.registration.remove_callee does.
//
// Give a URI as reason (as the meta procedure requires): the spec allows
// any text, but Autobahn|Python (22.7) takes a reason that is not a URI
// for a protocol violation and drops its connection. A reason longer
// than 256 octets, or not UTF-8, is refused (wamp.error.invalid_argument),
// as the meta procedure refuses it.
func (r *Router) RemoveCallee(realm wamp.URI, registrationID, sessionID wamp.ID, reason string) error {
	rm := r.realms[realm]
	if rm == nil {
		return fmt.Errorf("wamp/router: %s: %s", wamp.ErrNoSuchRealm, realm)
	}
	if len(reason) > maxRefusalURI {
		return fmt.Errorf("wamp/router: %s: reason longer than %d octets", wamp.ErrInvalidArgument, maxRefusalURI)
	}
	if !utf8.ValidString(reason) { // no serializer carries it: the session would end
		return fmt.Errorf("wamp/router: %s: reason is not valid UTF-8", wamp.ErrInvalidArgument)
	}
	rm.lock()
	defer rm.unlock()
	if uri, msg := rm.revokeCallee(registrationID, sessionID, reason); uri != "" {
		return fmt.Errorf("wamp/router: %s: %s", uri, msg)
	}
	return nil
}

// revokeCallee is RemoveCallee under realm.mu (for the meta API): it
// returns an error URI and message, or "" when done.
func (rm *realm) revokeCallee(registrationID, sessionID wamp.ID, reason string) (wamp.URI, string) {
	s := rm.sessions[sessionID]
	if s == nil || s.removed {
		return errNoSuchSessionURI, fmt.Sprintf("no session %d in realm %s", sessionID, rm.cfg.Name)
	}
	reg := s.regs[registrationID]
	if reg == nil {
		return wamp.ErrNoSuchRegistration, fmt.Sprintf("session %d is no callee of registration %d", sessionID, registrationID)
	}
	rm.dropCallee(reg, s)
	delete(s.regs, reg.id)
	if s.dealer.revocation {
		d := wamp.Dict{"registration": uint64(reg.id)}
		if reason != "" {
			d["reason"] = reason
		}
		rm.control(s, &wamp.Unregistered{Request: 0, Details: d})
	}
	why := "registration revoked"
	if reason != "" {
		why += ": " + reason
	}
	for _, inv := range s.invs {
		if inv.reg == reg {
			rm.abortCall(inv, wamp.ErrCanceled, true, why)
		}
	}
	return "", ""
}
