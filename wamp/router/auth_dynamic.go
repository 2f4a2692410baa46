package router

import (
	"context"
	"errors"
	"fmt"

	"github.com/autobahn-go/autobahn/wamp"
)

// ProcedureAuthenticator is Crossbar's dynamic authenticator: a WAMP
// procedure that a client session registers ("type": "dynamic",
// "authenticator": Procedure, "authenticator-realm": Realm) and the
// router calls, through its dealer, to authenticate a session. Put it in
// RealmConfig.Authenticators like any Authenticator.
//
// The router calls Procedure(realm, authid, details), as Crossbar does:
// realm and authid from HELLO; details is a dict with "authmethod",
// "authextra" (HELLO's), "session" (the new session's ID), "transport"
// ({"type": "websocket", "peer": "tcp4:…"} as far as the router knows it)
// and, for "ticket", "ticket" (AUTHENTICATE.Signature). The procedure
// answers with a role (a string) or a dict:
//
//   - ticket: {"role", "authid"?, "extra"?}; a string is the role. The
//     answer accepts the ticket.
//   - wampcra: {"secret", "role", "authid"?, "salt"?, "iterations"?,
//     "keylen"?, "extra"?}; the router then runs the challenge.
//   - cryptosign: {"pubkey" (hex; or a list of them), "role", "authid"?,
//     "extra"?}.
//   - scram: {"kdf", "iterations", "memory"?, "salt" (hex, as in the static configuration), "stored-key",
//     "server-key", "role", "authid"?, "extra"?}.
//
// A "realm" in the answer other than the session's is refused (the router
// does not move sessions between realms), and so is an answer without
// "authid" to a HELLO without one. An ERROR answer, no callee
// registered, a malformed answer, or no answer within the hello timeout
// (Config.HelloTimeout, which bounds the call as its call timeout) abort
// the session with wamp.error.authentication_failed, except that an
// ERROR the authenticator itself answered with is forwarded as Crossbar
// does: its URI is the ABORT reason (wamp.error.authentication_failed
// when it is not a valid URI of at most 256 octets) and its first
// positional argument, when a string, the ABORT's Details.message (cut
// to 1024 octets). The ERRORs the dealer answers with when no callee
// decides (wamp.error.no_such_procedure, canceled, timeout, …) are not
// forwarded. The session waits for the answer without holding up any
// goroutine or event loop but the call's own.
type ProcedureAuthenticator struct {
	// Procedure is the URI the authenticator registered; New refuses
	// one no client can register (invalid, or the router's wamp.*).
	Procedure wamp.URI
	// Realm is the realm it registered in (Crossbar's
	// "authenticator-realm"); empty means the realm being joined.
	Realm wamp.URI
}

// errProcedureUnbound is returned when a ProcedureAuthenticator is
// called outside a router (it needs the router's dealer).
var errProcedureUnbound = errors.New("wamp/router: ProcedureAuthenticator used outside a router")

// Authenticate implements Authenticator; the router does not call it (it
// calls the procedure through its dealer), so it only fails.
func (p *ProcedureAuthenticator) Authenticate(context.Context, *AuthRequest) (*Principal, error) {
	return nil, errProcedureUnbound
}

// boundProcedureAuthenticator is a ProcedureAuthenticator with its router.
type boundProcedureAuthenticator struct {
	r         *Router
	p         *ProcedureAuthenticator
	transport wamp.Dict // the session's, as meta_session.go describes it
}

// bindAuthenticator returns a as the router runs it for s.
func (s *session) bindAuthenticator(a Authenticator) Authenticator {
	if p, ok := a.(*ProcedureAuthenticator); ok {
		return boundProcedureAuthenticator{r: s.r, p: p, transport: transportDetails(s, false)}
	}
	return a
}

func (b boundProcedureAuthenticator) Authenticate(ctx context.Context, req *AuthRequest) (*Principal, error) {
	realmName := b.p.Realm
	if realmName == "" {
		realmName = req.Realm
	}
	details := wamp.Dict{"authmethod": req.AuthMethod, "session": uint64(req.Session), "transport": b.transport}
	if extra := authExtra(req.Details); extra != nil {
		details["authextra"] = extra
	}
	if req.AuthMethod == "ticket" {
		details["ticket"] = req.Ticket
	}
	args, _, err := b.r.callProcedure(ctx, realmName, b.p.Procedure, wamp.List{string(req.Realm), req.AuthID, details}, nil)
	if err != nil {
		var ce *errInternalCall
		if errors.As(err, &ce) && !dealerAnswers[ce.uri] {
			return nil, authenticatorRefusal(ce)
		}
		return nil, fmt.Errorf("authenticator %s: %w", b.p.Procedure, err)
	}
	if len(args) == 0 {
		return nil, fmt.Errorf("authenticator %s: empty answer", b.p.Procedure)
	}
	return principalOf(req, args[0])
}

// principalOf decodes a dynamic authenticator's answer for req's method.
func principalOf(req *AuthRequest, answer any) (*Principal, error) {
	if role, ok := answer.(string); ok {
		if req.AuthMethod != "ticket" {
			return nil, fmt.Errorf("%s authenticator answered with a role only, no credentials", req.AuthMethod)
		}
		return &Principal{AuthRole: role}, nil
	}
	d, ok := answer.(wamp.Dict)
	if !ok {
		return nil, fmt.Errorf("authenticator answer is %T, not a role or a dict", answer)
	}
	str := func(k string) string { s, _ := d[k].(string); return s }
	num := func(k string) int { n, _ := wamp.AsInt64(d[k]); return int(n) }
	if realm := str("realm"); realm != "" && wamp.URI(realm) != req.Realm {
		return nil, fmt.Errorf("authenticator moves the session to realm %q", realm)
	}
	p := &Principal{AuthID: str("authid"), AuthRole: str("role")}
	p.Extra, _ = d["extra"].(wamp.Dict)
	if p.AuthRole == "" {
		return nil, errors.New("authenticator answer without role")
	}
	switch req.AuthMethod {
	case "wampcra":
		p.CRA = &CRAPrincipal{Secret: str("secret"), Role: p.AuthRole, Salt: str("salt"), Iterations: num("iterations"), KeyLen: num("keylen")}
	case "cryptosign":
		c := &CryptosignPrincipal{Role: p.AuthRole}
		switch k := d["pubkey"].(type) {
		case string:
			c.AuthorizedKeys = []string{k}
		case wamp.List:
			for _, e := range k {
				if s, ok := e.(string); ok {
					c.AuthorizedKeys = append(c.AuthorizedKeys, s)
				}
			}
		case []string:
			c.AuthorizedKeys = k
		}
		p.Cryptosign = c
	case "scram":
		p.SCRAM = &SCRAMPrincipal{Role: p.AuthRole, KDF: str("kdf"), Iterations: num("iterations"), Memory: num("memory"),
			Salt: str("salt"), StoredKey: str("stored-key"), ServerKey: str("server-key")}
	}
	return p, nil
}

// dealerAnswers are the ERRORs the dealer answers a call with when no
// callee decided it: a ProcedureAuthenticator's refusal is not among them.
var dealerAnswers = map[wamp.URI]bool{
	wamp.ErrNoSuchProcedure: true, wamp.ErrNoSuchRealm: true, wamp.ErrNoAvailableCallee: true,
	wamp.ErrNoEligibleCallee: true, wamp.ErrCanceled: true, wamp.ErrTimeout: true, wamp.ErrUnavailable: true,
	wamp.ErrNetworkFailure: true, wamp.ErrPayloadSizeExceeded: true, wamp.ErrFeatureNotSupported: true,
}

// authenticatorRefusal is the refusal of the authenticator's ERROR e:
// its URI and its first argument (runAuthenticator bounds them).
func authenticatorRefusal(e *errInternalCall) *AuthError {
	ae := &AuthError{Reason: e.uri, Message: "refused by the authenticator"}
	if len(e.args) > 0 {
		if m, ok := e.args[0].(string); ok {
			ae.Message = m
		}
	}
	return ae
}

// procedureUsable refuses the Procedure of a ProcedureAuthenticator or
// ProcedureAuthorizer that no client can register: an invalid URI, or
// one of the router's own (wamp.*), which would call the router's meta
// procedures (wamp.session.kill_all on every HELLO) as the router.
func procedureUsable(u wamp.URI) error {
	if !wamp.ValidURI(u, false, wamp.MatchExact) {
		return fmt.Errorf("procedure %q: not a valid URI", u)
	}
	if reservedURI(u) { // dealer.go
		return fmt.Errorf("procedure %q: the wamp. URIs are the router's, no client can register one", u)
	}
	return nil
}
