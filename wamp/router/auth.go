package router

import (
	"context"
	"crypto/ed25519"
	"crypto/subtle"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/auth"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
)

// CRAPrincipal is a user of WAMP-CRA (Crossbar's wampcra "users" entry).
type CRAPrincipal struct {
	// Secret is the shared secret. With Salt set it is the derived key,
	// auth.DeriveCRAKey(password, Salt, Iterations, KeyLen), as Crossbar's
	// configuration holds it: the router never needs the password.
	Secret string
	Role   string // authrole; empty means "user"
	// Salt, Iterations and KeyLen are sent in CHALLENGE for salted
	// secrets; zero Iterations and KeyLen mean 1000 and 32. KeyLen is
	// at most 1024, and Iterations × ceil(KeyLen/32) at most 1<<24 (the
	// PBKDF2 work clients derive at most).
	Salt       string
	Iterations int
	KeyLen     int
}

// SCRAMPrincipal is a user of WAMP-SCRAM (Crossbar's scram "principals"
// entry): either the stored keys (Crossbar's "stored-key" and
// "server-key", hex) or a Password the router derives them from when it
// starts (a dynamic Authenticator's: on the first HELLO that needs it,
// once per password, salt and costs, in a bounded cache). New, Reload
// and a dynamic Authenticator's answer refuse costs past what clients
// derive: PBKDF2 iterations over 1<<24, Argon2 memory over 1<<22 KiB or
// Argon2 iterations × memory over 1<<23.
type SCRAMPrincipal struct {
	Role       string // authrole; empty means "user"
	KDF        string // auth.KDFArgon2id13 or auth.KDFPBKDF2
	Iterations int
	Memory     int    // KiB, argon2id-13 only
	Salt       string // hex, as Crossbar's configuration; sent in base64. Empty with Password: random
	StoredKey  string // hex
	ServerKey  string // hex
	Password   string // instead of StoredKey and ServerKey
}

// CryptosignPrincipal is a user of WAMP-cryptosign (Crossbar's cryptosign
// "principals" entry): the Ed25519 public keys (hex) it may sign with. A
// client that sends no authid in HELLO is found by its key.
type CryptosignPrincipal struct {
	Role           string // authrole; empty means "user"
	AuthorizedKeys []string
}

// TransportInfo describes the connection a session authenticates on.
type TransportInfo struct {
	TLS        *tls.ConnectionState // nil on plain connections
	RemoteAddr net.Addr             // nil when the transport does not tell
	// HTTPHeaders are the headers of a WebSocket's opening handshake, as
	// websocket.Conn.RequestHeader returns them (lower-case names, at most
	// websocket.MaxHeaderBytes); nil on other transports.
	HTTPHeaders map[string]string
	// Endpoint is the name of the endpoint the session came through
	// (Router.Endpoint); empty for none.
	Endpoint string
}

// AuthRequest is what an Authenticator decides on.
type AuthRequest struct {
	Realm      wamp.URI
	AuthMethod string    // "ticket", "wampcra", "scram" or "cryptosign"
	AuthID     string    // HELLO.Details.authid (may be empty)
	Details    wamp.Dict // HELLO.Details (authextra holds the pubkey, nonce, …); do not modify
	Ticket     string    // "ticket" only: AUTHENTICATE.Signature
	Session    wamp.ID
	Transport  TransportInfo
}

// Principal is an Authenticator's decision to go on: who the client is and,
// for the challenge-response methods, the credentials the router checks
// the client's answer against. An AuthID, AuthRole or Extra that the
// session's serializer cannot carry in WELCOME (a Go value it does not
// encode, a NaN for JSON, invalid UTF-8) refuses the session with ABORT
// wamp.error.authentication_failed (logged, and counted in Stats.Closed).
type Principal struct {
	AuthID   string    // empty: the HELLO's authid; with neither, the session is refused
	AuthRole string    // required
	Extra    wamp.Dict // sent in WELCOME.Details.authextra
	// The credentials of the request's method ("ticket" needs none: the
	// Authenticator has checked the ticket).
	CRA        *CRAPrincipal
	SCRAM      *SCRAMPrincipal
	Cryptosign *CryptosignPrincipal
}

// AuthError is an Authenticator's refusal with the ABORT reason and message
// to send (wamp.ErrNotAuthorized, wamp.ErrAuthenticationFailed, …). Other
// errors abort with wamp.error.authentication_failed, and their text is
// logged, not sent. A Reason that is empty, or not a valid URI of at most
// 256 octets, is sent as wamp.error.authentication_failed (logged); the
// Message is sent cut to 1024 octets, invalid UTF-8 replaced: a client
// would take either for a protocol violation, not an ABORT.
type AuthError struct {
	Reason  wamp.URI
	Message string
}

// Error returns the reason and the message (for the log).
func (e *AuthError) Error() string { return string(e.Reason) + ": " + e.Message }

// Bounds of the ABORT of an authenticator's refusal.
const (
	maxRefusalURI     = 256  // octets
	maxRefusalMessage = 1024 // octets
)

// refusal returns the ABORT reason and message of e: its Reason when it
// is a valid URI of at most maxRefusalURI octets (else
// wamp.error.authentication_failed), its Message as valid UTF-8 of at most
// maxRefusalMessage octets.
func (e *AuthError) refusal() (wamp.URI, string) {
	reason, m := e.Reason, e.Message
	if len(reason) > maxRefusalURI || !wamp.ValidURI(reason, false, wamp.MatchExact) {
		reason = wamp.ErrAuthenticationFailed
	}
	return reason, boundedText(m)
}

// boundedText returns m as valid UTF-8 of at most maxRefusalMessage
// octets: the message of an ABORT or GOODBYE the router sends for someone
// else (an authenticator, a wamp.session.kill caller).
func boundedText(m string) string {
	if len(m) > maxRefusalMessage {
		n := maxRefusalMessage
		for n > 0 && !utf8.RuneStart(m[n]) {
			n-- // not in the middle of a character
		}
		m = m[:n]
	}
	return strings.ToValidUTF8(m, "\uFFFD")
}

// Authenticator is dynamic authentication for one authmethod
// (RealmConfig.Authenticators), like Crossbar's dynamic authenticators.
// For "ticket" it is called once AUTHENTICATE has brought the ticket, and
// a Principal accepts the client; for "wampcra", "scram" and "cryptosign"
// it is called on HELLO, returns the user's credentials, and the router
// runs the challenge and checks the answer. It runs on a goroutine of its
// own (never on an event loop); ctx ends with the hello timeout or the
// session, and the router stops waiting for its answer then (an
// Authenticator that ignores ctx holds no session and no Router.Close,
// only its own goroutine). A panic refuses the session (Config.PanicCrash).
// authprovider in WELCOME is "dynamic".
type Authenticator interface {
	Authenticate(ctx context.Context, req *AuthRequest) (*Principal, error)
}

// AuthenticatorFunc adapts a function to Authenticator.
type AuthenticatorFunc func(ctx context.Context, req *AuthRequest) (*Principal, error)

// Authenticate calls f.
func (f AuthenticatorFunc) Authenticate(ctx context.Context, req *AuthRequest) (*Principal, error) {
	return f(ctx, req)
}

// pendingAuth is a challenge sent (or, with a dynamic authenticator, being
// prepared) and not yet answered. mu guards what an authenticator's
// goroutine fills in.
type pendingAuth struct {
	realm   *realm
	method  string
	authid  string
	details wamp.Dict

	mu        sync.Mutex
	ready     bool // the CHALLENGE is sent
	pr        *principal
	challenge string // wampcra, cryptosign
	channelID []byte // cryptosign with tls-unique
	pubkey    ed25519.PublicKey
	cnonce    string // scram
	snonce    string
	user      string // scram: the authid of HELLO, which the client's proof names
	cbType    string
	cbData    []byte
}

// authHello picks the first of the client's authmethods the realm offers
// and sends its CHALLENGE (or WELCOME for anonymous).
func (s *session) authHello(rm *realm, authid string, methods []string, details wamp.Dict) bool {
	// The endpoint's authentication or the realm's (endpoint.go),
	// replaced by Router.Reload.
	cfg := s.authConfig(rm)
	if reason, msg, refused := s.endpointRefusal(rm, cfg); refused {
		return s.abort(reason, msg)
	}
	ra := cfg.auth
	for _, method := range methods {
		dyn := cfg.Authenticators[method]
		var static map[string]*principal
		switch method {
		case "anonymous":
			if !cfg.AllowAnonymous {
				continue
			}
			role := cfg.AnonymousRole
			if role == "" {
				role = "anonymous"
			}
			// Nothing vouches for the authid HELLO claims: a generated one,
			// as Crossbar gives, so that an anonymous client never passes
			// for an authenticated user (eligible_authid, caller_authid).
			return s.welcome(rm, fmt.Sprintf("anonymous-%d", wamp.GlobalID()), role, "anonymous")
		case "ticket":
			if dyn == nil && cfg.Tickets == nil {
				continue
			}
			s.auth = &pendingAuth{realm: rm, method: method, authid: authid, details: details, ready: true}
			s.state.Store(stateAuth)
			s.q.push(&wamp.Challenge{AuthMethod: "ticket", Extra: wamp.Dict{}}, msgOverhead, limitHard)
			return true
		case "wampcra":
			static = ra.cra
		case "scram":
			static = ra.scram
		case "cryptosign":
			static = ra.cryptosign
		default:
			continue
		}
		if dyn == nil && static == nil {
			continue
		}
		pa := &pendingAuth{realm: rm, method: method, authid: authid, details: details}
		s.auth = pa
		s.state.Store(stateAuth)
		if dyn != nil {
			s.runAuthenticator(dyn, pa, "", func(p *Principal) {
				id := p.AuthID
				if id == "" {
					id = authid
				}
				// A Password is derived once (auth_scramcache.go): the
				// client has proved nothing yet.
				derive := func(kdf, password, salt string, iterations, memory int) (*auth.SCRAMCredential, error) {
					ctx, cancel := context.WithTimeout(s.context(), s.r.cfg.HelloTimeout)
					defer cancel()
					return s.r.scram.credential(ctx, kdf, password, salt, iterations, memory)
				}
				pr, err := compilePrincipal(method, id, p, derive) // refuses an empty id
				if err != nil {
					s.log.Info("wamp/router: dynamic principal refused", "session", s.id, "method", method, "err", err)
					s.abort(wamp.ErrAuthenticationFailed, "authentication failed")
					return
				}
				pr.provider = "dynamic"
				s.challenge(pa, pr)
			})
			return true
		}
		pr := static[authid]
		if method == "cryptosign" && authid == "" {
			// byKey holds lower-case hex, a client may send upper case.
			pk, _ := authExtra(details)["pubkey"].(string)
			if pub, err := auth.ParsePublicKey(pk); err == nil {
				pr = static[ra.byKey[hex.EncodeToString(pub)]]
			}
		}
		if pr == nil {
			// The refusal a wrong answer gets: it does not tell the client
			// which authids exist (the log does, for the operator). That
			// wampcra and scram refuse at HELLO here, where a known authid
			// gets a CHALLENGE, still tells it, as Crossbar's does: hiding
			// it takes decoy challenges (with a salt and costs like a real
			// principal's).
			s.log.Info("wamp/router: no principal", "session", s.id, "method", method, "authid", boundedText(authid))
			return s.abort(wamp.ErrAuthenticationFailed, method+" authentication failed")
		}
		return s.challenge(pa, pr)
	}
	if len(methods) == 1 && methods[0] == "anonymous" {
		where := "realm " + string(rm.cfg.Name)
		if s.ep != nil {
			where += " on endpoint " + s.ep.name
		}
		return s.abort(wamp.ErrNotAuthorized, "anonymous access not allowed in "+where)
	}
	return s.abort(wamp.ErrNoAuthMethod, "no acceptable authmethod")
}

func authExtra(details wamp.Dict) wamp.Dict {
	d, _ := details["authextra"].(wamp.Dict)
	return d
}

// challenge makes and sends the CHALLENGE of pa.method for pr; it may run
// on an authenticator's goroutine.
func (s *session) challenge(pa *pendingAuth, pr *principal) bool {
	extra := authExtra(pa.details)
	ch := wamp.Dict{}
	pa.mu.Lock()
	helloAuthID := pa.authid
	pa.pr = pr
	pa.authid = pr.authid
	switch pa.method {
	case "wampcra":
		c, err := auth.CRAChallenge(auth.CRAChallengeInfo{AuthID: pr.authid, AuthRole: pr.role,
			AuthProvider: pr.providerName(), Session: uint64(s.id)})
		if err != nil {
			pa.mu.Unlock()
			return s.abort(wamp.ErrAuthenticationFailed, "no randomness")
		}
		pa.challenge, ch["challenge"] = c, c
		if pr.craSalt != "" {
			ch["salt"], ch["iterations"], ch["keylen"] = pr.craSalt, int64(pr.craIter), int64(pr.craLen)
		}
	case "scram":
		// The client signs the authid it sent (n=), not the one a
		// dynamic authenticator may give the session.
		cn, _ := extra["nonce"].(string)
		if cn == "" || helloAuthID == "" {
			pa.mu.Unlock()
			return s.abort(wamp.ErrAuthenticationFailed, "scram needs an authid and a nonce")
		}
		pa.user = helloAuthID
		if cb, _ := extra["channel_binding"].(string); cb != "" {
			data, err := s.channelBinding(cb)
			if err != nil {
				pa.mu.Unlock()
				return s.abort(wamp.ErrAuthenticationFailed, "scram channel binding: "+err.Error())
			}
			pa.cbType, pa.cbData = cb, data
			ch["channel_binding"] = cb
		}
		pa.cnonce, pa.snonce = cn, auth.SCRAMServerNonce(cn)
		c := pr.scram
		ch["nonce"], ch["salt"], ch["kdf"], ch["iterations"] = pa.snonce, c.Salt, c.KDF, int64(c.Iterations)
		if c.KDF != auth.KDFPBKDF2 {
			ch["memory"] = int64(c.Memory)
		}
	case "cryptosign":
		pk, _ := extra["pubkey"].(string)
		pub, err := auth.ParsePublicKey(pk)
		if err != nil || !authorized(pr.keys, pub) {
			pa.mu.Unlock()
			// As for an unknown authid (authHello): which authids exist is
			// not the client's business.
			s.log.Info("wamp/router: cryptosign public key not authorized", "session", s.id, "authid", pr.authid)
			return s.abort(wamp.ErrAuthenticationFailed, "cryptosign authentication failed")
		}
		switch cb, _ := extra["channel_binding"].(string); cb {
		case "":
		case auth.BindTLSUnique:
			data, err := s.channelBinding(cb)
			if err != nil {
				pa.mu.Unlock()
				return s.abort(wamp.ErrAuthenticationFailed, "cryptosign channel binding: "+err.Error())
			}
			pa.channelID = auth.CryptosignChannelID(data)
			ch["channel_binding"] = cb
		default:
			pa.mu.Unlock()
			return s.abort(wamp.ErrAuthenticationFailed, "cryptosign: unsupported channel binding "+cb)
		}
		c, err := auth.CryptosignChallenge()
		if err != nil {
			pa.mu.Unlock()
			return s.abort(wamp.ErrAuthenticationFailed, "no randomness")
		}
		pa.pubkey, pa.challenge, ch["challenge"] = pub, c, c
	}
	pa.ready = true
	pa.mu.Unlock()
	s.q.push(&wamp.Challenge{AuthMethod: pa.method, Extra: ch}, messageSize(&wamp.Challenge{AuthMethod: pa.method, Extra: ch}), limitHard)
	return true
}

func authorized(keys []ed25519.PublicKey, pub ed25519.PublicKey) bool {
	for _, k := range keys {
		if subtle.ConstantTimeCompare(k, pub) == 1 {
			return true
		}
	}
	return false
}

// authAuthenticate checks the client's answer to the CHALLENGE.
func (s *session) authAuthenticate(m *wamp.Authenticate) bool {
	pa := s.auth
	if pa == nil {
		return s.violation("AUTHENTICATE without a CHALLENGE")
	}
	pa.mu.Lock()
	ready, pr := pa.ready, pa.pr
	pa.mu.Unlock()
	if !ready {
		return s.violation("AUTHENTICATE before the CHALLENGE")
	}
	s.auth = nil
	rm := pa.realm
	cfg := s.authConfig(rm) // replaced by Router.Reload
	fail := func() bool {
		return s.abort(wamp.ErrAuthenticationFailed, pa.method+" authentication failed")
	}
	if cfg == nil { // a Reload took the realm off the session's endpoint
		return fail()
	}
	if msg, full := rm.full(); full { // realm.go: sessions joined since the CHALLENGE
		return s.abort(ReasonRealmFull, msg)
	}
	if pa.method != "ticket" && pr.provider == "" {
		// A static principal: the answer is checked against the current
		// configuration's, which a Reload may have changed or removed
		// since the CHALLENGE (as a ticket is). A changed secret, key or
		// SCRAM salt fails the answer (a SCRAM Password without Salt is
		// salted anew by each Reload: the client joins again).
		if pr = cfg.auth.principal(pa.method, pa.authid); pr == nil {
			return fail()
		}
		if pa.method == "cryptosign" && !authorized(pr.keys, pa.pubkey) {
			return fail()
		}
	}
	if pa.method != "ticket" && pr.provider == "dynamic" && !s.hasAuthenticator(pa) {
		// A Reload took away the authenticator that vouched for pr.
		return fail()
	}
	var extra wamp.Dict
	switch pa.method {
	case "ticket":
		if dyn := cfg.Authenticators["ticket"]; dyn != nil {
			s.runAuthenticator(dyn, pa, m.Signature, func(p *Principal) {
				id := p.AuthID
				if id == "" {
					id = pa.authid
				}
				if id == "" {
					s.log.Info("wamp/router: dynamic principal refused", "session", s.id, "method", "ticket", "err", errEmptyAuthID)
					s.abort(wamp.ErrAuthenticationFailed, "authentication failed")
					return
				}
				s.authprovider, s.authextra = "dynamic", p.Extra
				s.welcome(rm, id, role(p.AuthRole), "ticket")
			})
			return true
		}
		p, ok := cfg.Tickets[pa.authid]
		if !ok || !auth.VerifyTicket(p.Ticket, m.Signature) {
			return fail()
		}
		return s.welcome(rm, pa.authid, role(p.Role), "ticket")
	case "wampcra":
		if !auth.VerifyCRA(pr.craKey, pa.challenge, m.Signature) {
			return fail()
		}
	case "cryptosign":
		if !auth.CryptosignVerify(pa.pubkey, pa.challenge, pa.channelID, m.Signature) {
			return fail()
		}
	case "scram":
		if pa.cbType != "" {
			// The binding the client saw must be the router's: a man in
			// the middle terminating TLS sees other data.
			typ, _ := m.Extra["channel_binding"].(string)
			data, _ := m.Extra["cbind_data"].(string)
			nonce, _ := m.Extra["nonce"].(string)
			if typ != pa.cbType || nonce != pa.snonce ||
				!auth.VerifyTicket(base64.StdEncoding.EncodeToString(pa.cbData), data) {
				return fail()
			}
		}
		id, err := auth.SASLprep(pa.user)
		if err != nil {
			return fail()
		}
		msg := auth.SCRAMAuthMessage(id, pa.cnonce, pa.snonce, pr.scram.Salt, pr.scram.Iterations, auth.SCRAMCBind(pa.cbType, pa.cbData))
		if !pr.scram.Verify(msg, m.Signature) {
			return fail()
		}
		extra = wamp.Dict{}
		for k, v := range pr.extra {
			extra[k] = v
		}
		extra["scram_server_signature"] = pr.scram.ServerSignature(msg)
	}
	if extra == nil {
		extra = pr.extra
	}
	s.authprovider, s.authextra = pr.providerName(), extra
	return s.welcome(rm, pr.authid, pr.role, pa.method)
}

// runAuthenticator calls a on a goroutine of its own and, when it returns
// a principal while the session still waits, calls then (on that
// goroutine); a refusal aborts the session.
func (s *session) runAuthenticator(a Authenticator, pa *pendingAuth, ticket string, then func(*Principal)) {
	req := &AuthRequest{Realm: pa.realm.cfg.Name, AuthMethod: pa.method, AuthID: pa.authid, Details: pa.details,
		Ticket: ticket, Session: s.id, Transport: s.transportInfo()}
	a = s.bindAuthenticator(a) // auth_dynamic.go: a ProcedureAuthenticator calls through the dealer
	s.r.wg.Add(1)
	go func() {
		defer s.r.wg.Done()
		ctx, cancel := context.WithTimeout(s.context(), s.r.cfg.HelloTimeout)
		// The Authenticator runs on a goroutine the router does not wait
		// for: one that ignores ctx must not hold the session, nor
		// Router.Close, past it.
		type answer struct {
			p   *Principal
			err error
		}
		answered := make(chan answer, 1)
		go func() {
			p, err := s.r.authenticate(ctx, a, req) // usercode.go: a panic refuses
			answered <- answer{p, err}
		}()
		var p *Principal
		var err error
		select {
		case an := <-answered:
			p, err = an.p, an.err
		case <-ctx.Done():
			err = ctx.Err()
		}
		expired := ctx.Err() != nil
		cancel()
		if s.state.Load() == stateClosed || (err != nil && expired) {
			// The session ended, or the hello timeout (armed before ctx)
			// ends it with ABORT wamp.error.timeout.
			return
		}
		var ae *AuthError
		var bad *badAnswerError
		switch {
		case errors.As(err, &ae):
			reason, msg := ae.refusal()
			if reason != ae.Reason && ae.Reason != "" {
				s.log.Info("wamp/router: authenticator's refusal: not a valid URI", "session", s.id, "reason", ae.Reason)
			}
			s.abort(reason, msg)
		case errors.As(err, &bad):
			// The authenticator's mistake, not the client's: the
			// operator is told, the client told which field.
			s.log.Warn("wamp/router: authenticator's answer refused", "session", s.id, "method", pa.method, "field", bad.field, "err", err)
			s.abort(wamp.ErrAuthenticationFailed, bad.Error())
		case err != nil || p == nil || p.AuthRole == "":
			s.log.Info("wamp/router: authenticator refused", "session", s.id, "method", pa.method, "err", err)
			s.abort(wamp.ErrAuthenticationFailed, "authentication failed")
		case !s.hasAuthenticator(pa):
			// A Reload took the authenticator away while it ran.
			s.log.Info("wamp/router: authenticator removed by a reload", "session", s.id, "method", pa.method)
			s.abort(wamp.ErrAuthenticationFailed, "authentication failed")
		default:
			then(p)
		}
	}()
}

// hasAuthenticator reports whether the current configuration (replaced
// by Router.Reload) has an Authenticator for pa's method.
func (s *session) hasAuthenticator(pa *pendingAuth) bool {
	cfg := s.authConfig(pa.realm)
	return cfg != nil && cfg.Authenticators[pa.method] != nil
}

// transportInfo describes the session's connection.
func (s *session) transportInfo() TransportInfo {
	var ti TransportInfo
	t := s.conn()
	if cs, ok := t.(interface {
		ConnectionState() (tls.ConnectionState, bool)
	}); ok {
		if st, ok := cs.ConnectionState(); ok {
			ti.TLS = &st
		}
	}
	if ra, ok := t.(interface{ RemoteAddr() net.Addr }); ok {
		ti.RemoteAddr = ra.RemoteAddr()
	}
	if c, ok := t.(*websocket.Conn); ok {
		if ti.RemoteAddr == nil {
			ti.RemoteAddr = c.WS().RemoteAddr()
		}
		ti.HTTPHeaders = c.RequestHeader()
	}
	if s.ep != nil {
		ti.Endpoint = s.ep.name
	}
	return ti
}

// channelBinding returns the router's binding data of type typ for this
// session's connection: "tls-unique" and "tls-exporter" (the router has
// no certificate to hash for "tls-server-end-point").
func (s *session) channelBinding(typ string) ([]byte, error) {
	if typ == auth.BindTLSServerEndPoint {
		return nil, errors.New("tls-server-end-point is not supported by the router")
	}
	ti := s.transportInfo()
	if ti.TLS == nil {
		return nil, errors.New("the connection is not TLS")
	}
	return auth.ChannelBindingData(*ti.TLS, typ)
}
