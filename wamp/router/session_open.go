package router

import (
	"strings"

	"github.com/autobahn-go/autobahn/wamp"
)

// onHello, onAuthenticate and welcome open a session: HELLO, then a
// challenge if the realm's authentication asks for one (auth.go), then
// WELCOME or ABORT.
func (s *session) onHello(m *wamp.Hello) bool {
	rm := s.r.realms[m.Realm]
	if rm == nil {
		return s.abort(wamp.ErrNoSuchRealm, "no realm "+string(m.Realm))
	}
	if roles, _ := m.Details["roles"].(wamp.Dict); len(roles) == 0 {
		return s.abort(wamp.ErrProtocolViolationURI, "HELLO.Details.roles: no roles announced")
	}
	// Set here, by the reader, not by welcome: a dynamic authenticator's
	// goroutine may welcome the session while the reader logs a violation
	// with it.
	s.realmName = rm.cfg.Name
	if msg, full := rm.full(); full { // realm.go: before authentication is paid for
		return s.abort(ReasonRealmFull, msg)
	}
	authid, _ := m.Details["authid"].(string)
	var methods []string
	switch l := m.Details["authmethods"].(type) {
	case []any:
		for _, e := range l {
			if s, ok := e.(string); ok {
				methods = append(methods, s)
			}
		}
	case []string:
		methods = l
	}
	if len(methods) == 0 {
		methods = []string{"anonymous"}
	}
	s.canCancel = feature(m.Details, "callee", "call_canceling")
	s.dealer = dealerFlagsOf(m.Details)
	s.subRevocation = feature(m.Details, "subscriber", "subscription_revocation")
	s.pptRoles = pptAnnounced(m.Details)
	return s.authHello(rm, authid, methods, m.Details) // auth.go
}

func (s *session) onAuthenticate(m *wamp.Authenticate) bool {
	return s.authAuthenticate(m) // auth.go
}

// welcome joins the realm; the hello timeout must not have passed.
func (s *session) welcome(rm *realm, authid, authrole, method string) bool {
	if authrole == internalAuthRole {
		// The router's own calls come from "trusted" (internal_caller.go):
		// a callee that sees caller_authrole "trusted" must be able to
		// rely on it, as on Crossbar, which reserves the role for its
		// router-internal sessions.
		return s.abort(wamp.ErrNoSuchRole, "role "+authrole+" is reserved for the router's own sessions")
	}
	if !rm.roleKnown(authrole) { // authorize.go
		return s.abort(wamp.ErrNoSuchRole, "no role "+authrole+" in realm "+string(rm.cfg.Name))
	}
	if err := s.welcomeDecodes(authid, authrole); err != nil {
		// Found now, not by the client or the transport after the
		// session joined (its end would have no reason).
		s.log.Warn("wamp/router: the authenticator's principal cannot be sent in WELCOME", "session", s.id, "err", err)
		return s.abort(wamp.ErrAuthenticationFailed, strings.ToValidUTF8("the principal cannot be sent in WELCOME: "+err.Error(), "\uFFFD"))
	}
	s.authid, s.authrole, s.authmethod = authid, authrole, method
	s.mu.Lock()
	stopped := s.helloTimer != nil && s.helloTimer.Stop()
	if stopped {
		s.rs = rm
		s.helloTimer = nil // an idle session keeps no timer
	}
	s.mu.Unlock()
	if !stopped {
		return false // the timeout closed the session
	}
	if !rm.join(s) {
		return false
	}
	s.state.CompareAndSwap(stateHello, stateEstablished)
	s.state.CompareAndSwap(stateAuth, stateEstablished)
	s.log.Debug("wamp/router: session joined", "session", s.id, "realm", rm.cfg.Name, "authid", authid)
	return true
}

// welcomeDecodes reports whether the client can decode the WELCOME's
// authid, authrole and authextra as its serializer carries them: an
// Authenticator may fill them with any Go value, and invalid UTF-8
// encodes but fails the client's decoding. Transports without a
// serializer carry them as they are.
func (s *session) welcomeDecodes(authid, authrole string) error {
	c, ok := s.conn().(interface{ Serializer() wamp.Serializer })
	if !ok {
		return nil
	}
	w := &wamp.Welcome{Session: s.id, Details: wamp.Dict{"authid": authid, "authrole": authrole,
		"roles": wamp.Dict{"broker": wamp.Dict{}}}} // Unmarshal asks for roles
	if s.authextra != nil {
		w.Details["authextra"] = s.authextra
	}
	ser := c.Serializer()
	b, err := ser.AppendMessage(nil, w)
	if err == nil {
		_, err = ser.Unmarshal(b)
	}
	return err
}

// feature reports HELLO.Details.roles.<role>.features.<name> == true.
func feature(details wamp.Dict, role, name string) bool {
	roles, _ := details["roles"].(wamp.Dict)
	r, _ := roles[role].(wamp.Dict)
	f, _ := r["features"].(wamp.Dict)
	b, _ := f[name].(bool)
	return b
}

// The session's maps of subscriptions, registrations, calls and
// invocations are made on first use: most sessions use only some of them,
// and an idle session then holds none (each empty map is a 48-byte
// allocation). Reading and deleting a nil map is fine. Guarded by the
// realm's mu.
