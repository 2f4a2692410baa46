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
// "authid" to a HELLO without one. A field of the wrong type (an "extra"
// that is not a dict, an "authid" that is not a string, …) is refused,
// not ignored: the ABORT's Details.message names the field (not its
// value), and the router logs it at Warn. An ERROR answer, no callee
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
// A field of the wrong type is refused (*badAnswerError), not dropped: a
// dropped "extra" or "authid" would let the session join without them; a
// null is absent, and fields the router does not read are ignored.
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
	a := answerFields{d: d, of: "authenticator"}
	if realm := a.str("realm"); realm != "" && wamp.URI(realm) != req.Realm {
		return nil, fmt.Errorf("authenticator moves the session to realm %q", realm)
	}
	p := &Principal{AuthID: a.str("authid"), AuthRole: a.str("role"), Extra: a.dict("extra")}
	switch req.AuthMethod {
	case "wampcra":
		p.CRA = &CRAPrincipal{Secret: a.str("secret"), Role: p.AuthRole, Salt: a.str("salt"), Iterations: a.num("iterations"), KeyLen: a.num("keylen")}
	case "cryptosign":
		p.Cryptosign = &CryptosignPrincipal{Role: p.AuthRole, AuthorizedKeys: a.strs("pubkey")}
	case "scram":
		p.SCRAM = &SCRAMPrincipal{Role: p.AuthRole, KDF: a.str("kdf"), Iterations: a.num("iterations"), Memory: a.num("memory"),
			Salt: a.str("salt"), StoredKey: a.str("stored-key"), ServerKey: a.str("server-key")}
	}
	if a.err != nil {
		return nil, a.err
	}
	if p.AuthRole == "" {
		return nil, errors.New("authenticator answer without role")
	}
	return p, nil
}

// badAnswerError is a field of a dynamic authenticator's or authorizer's
// answer of the wrong type: the session is refused with a message naming
// the field (not its value, which may be a credential), logged at Warn
// (auth.go); the action is refused with wamp.error.authorization_failed,
// logged at Warn naming the field (authorize.go).
type badAnswerError struct {
	of, field, want string
	got             any
}

func (e *badAnswerError) Error() string {
	return fmt.Sprintf("%s answer: %s: %s, not %s", e.of, e.field, wireType(e.got), e.want)
}

// wireType names the type of a decoded value as its sender wrote it.
func wireType(v any) string {
	if _, ok := asString(v); ok {
		return "a string"
	}
	if _, ok := wamp.AsInt64(v); ok {
		return "an integer"
	}
	switch v.(type) {
	case uint64:
		return "an integer"
	case bool:
		return "a boolean"
	case float32, float64:
		return "a number"
	case []byte:
		return "binary"
	case wamp.List, []string:
		return "a list"
	case wamp.Dict:
		return "a dict"
	}
	return fmt.Sprintf("a %T", v)
}

// answerFields reads the fields of a dynamic authenticator's or
// authorizer's answer (of says whose); the first of the wrong type is err.
type answerFields struct {
	d   wamp.Dict
	of  string
	err error
}

// get returns field k, false when absent or null (or after an error).
func (a *answerFields) get(k string) (any, bool) {
	v := a.d[k]
	return v, v != nil && a.err == nil
}

func (a *answerFields) bad(k, want string, v any) {
	a.err = &badAnswerError{of: a.of, field: k, want: want, got: v}
}

// boolean returns field k; present is false when it is absent or null.
func (a *answerFields) boolean(k string) (b, present bool) {
	v, ok := a.get(k)
	if !ok {
		return false, false
	}
	b, ok = v.(bool)
	if !ok {
		a.bad(k, "a boolean", v)
	}
	return b, ok
}

func (a *answerFields) str(k string) string {
	v, ok := a.get(k)
	if !ok {
		return ""
	}
	s, ok := asString(v)
	if !ok {
		a.bad(k, "a string", v)
	}
	return s
}

func (a *answerFields) num(k string) int {
	v, ok := a.get(k)
	if !ok {
		return 0
	}
	n, ok := wamp.AsInt64(v)
	if !ok || int64(int(n)) != n {
		a.bad(k, "an integer", v)
		return 0
	}
	return int(n)
}

func (a *answerFields) dict(k string) wamp.Dict {
	v, ok := a.get(k)
	if !ok {
		return nil
	}
	d, ok := v.(wamp.Dict)
	if !ok {
		a.bad(k, "a dict", v)
	}
	return d
}

// strs returns field k, a string or a list of strings, as a list.
func (a *answerFields) strs(k string) []string {
	v, ok := a.get(k)
	if !ok {
		return nil
	}
	switch l := v.(type) {
	case []string:
		return l
	case wamp.List:
		out := make([]string, 0, len(l))
		for _, e := range l {
			s, ok := asString(e)
			if !ok {
				a.bad(k, "a string or a list of strings", v)
				return nil
			}
			out = append(out, s)
		}
		return out
	}
	if s, ok := asString(v); ok {
		return []string{s}
	}
	a.bad(k, "a string or a list of strings", v)
	return nil
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
