package client

import (
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/auth"
)

// Authenticator answers a router's CHALLENGE for one auth method.
type Authenticator interface {
	// Method is the authmethod announced in HELLO, e.g. "ticket".
	Method() string
	// HelloExtra returns what the method adds to HELLO.Details.authextra
	// (nil for nothing). t is the transport, for channel binding.
	HelloExtra(t wamp.Transport) (wamp.Dict, error)
	// Authenticate computes the AUTHENTICATE answer to ch.
	Authenticate(ctx context.Context, ch *wamp.Challenge) (signature string, extra wamp.Dict, err error)
}

// WelcomeVerifier is implemented by authenticators that check the router
// too (mutual authentication, as WAMP-SCRAM does).
type WelcomeVerifier interface {
	VerifyWelcome(details wamp.Dict) error
}

// authenticatorsForJoin returns the authenticators one Join uses: this
// package's that keep state from HELLO to WELCOME (the SCRAM nonce and
// proof, the cryptosign channel binding) are copied, so that one value, in
// the JoinOptions of several Components say, serves concurrent Joins. Only
// those exact types: a type that embeds one may have methods of its own.
func authenticatorsForJoin(as []Authenticator) []Authenticator {
	out := make([]Authenticator, len(as))
	for i, a := range as {
		switch a := a.(type) {
		case *SCRAM:
			out[i] = a.copyForJoin()
		case *Cryptosign:
			out[i] = a.copyForJoin()
		default:
			out[i] = a
		}
	}
	return out
}

// Ticket is WAMP Ticket authentication: the ticket is sent as is. Use it
// over TLS only.
type Ticket struct {
	Ticket string
}

// Method returns "ticket".
func (*Ticket) Method() string { return "ticket" }

// HelloExtra returns nil.
func (*Ticket) HelloExtra(wamp.Transport) (wamp.Dict, error) { return nil, nil }

// Authenticate returns the ticket.
func (a *Ticket) Authenticate(context.Context, *wamp.Challenge) (string, wamp.Dict, error) {
	return a.Ticket, wamp.Dict{}, nil
}

// CRA is WAMP Challenge-Response Authentication: the signature is
// base64(HMAC-SHA256(key, challenge)), where the key is the secret, or,
// when the challenge carries salt/iterations/keylen, the base64 of
// PBKDF2-SHA256(secret, salt, iterations, keylen) (salted secrets). When
// ctx ends during that derivation, Authenticate returns ctx's error at once;
// the derivation finishes in the background.
type CRA struct {
	Secret string
}

// Method returns "wampcra".
func (*CRA) Method() string { return "wampcra" }

// craMaxPBKDF2Work bounds the PBKDF2-SHA256 blocks (iterations times
// 32-octet blocks of key) a salted WAMP-CRA challenge may ask for: the
// SCRAM limit (SCRAM.Authenticate), auth.MaxPBKDF2Work.
const craMaxPBKDF2Work = auth.MaxPBKDF2Work

// HelloExtra returns nil.
func (*CRA) HelloExtra(wamp.Transport) (wamp.Dict, error) { return nil, nil }

// Authenticate signs the challenge.
func (a *CRA) Authenticate(ctx context.Context, ch *wamp.Challenge) (string, wamp.Dict, error) {
	challenge, ok := ch.Extra["challenge"].(string)
	if !ok {
		return "", nil, errors.New("wamp/client: wampcra challenge without challenge string")
	}
	key := []byte(a.Secret)
	if salt, ok := ch.Extra["salt"].(string); ok && salt != "" {
		iterations, keylen := 1000, 32
		if n, ok := wamp.AsInt64(ch.Extra["iterations"]); ok && n > 0 {
			iterations = int(n)
		}
		if n, ok := wamp.AsInt64(ch.Extra["keylen"]); ok && n > 0 && n <= 1024 {
			keylen = int(n)
		}
		// A router's iterations are not a reason to derive for ever: at
		// most the PBKDF2 work a SCRAM challenge may ask (1<<24 blocks).
		if blocks := (keylen + 31) / 32; iterations > craMaxPBKDF2Work/blocks {
			return "", nil, fmt.Errorf("wamp/client: wampcra challenge asks for %d PBKDF2 iterations of %d octets, more than %d", iterations, keylen, craMaxPBKDF2Work/blocks)
		}
		var err error
		if key, err = derive(ctx, func() ([]byte, error) { return DeriveCRAKey(a.Secret, salt, iterations, keylen) }); err != nil {
			return "", nil, err
		}
	}
	return SignCRA(key, challenge), wamp.Dict{}, nil
}

// DeriveCRAKey returns base64(PBKDF2-SHA256(secret, salt, iterations,
// keylen)), the key Autobahn and Crossbar use for salted WAMP-CRA secrets
// (auth.DeriveCRAKey).
func DeriveCRAKey(secret, salt string, iterations, keylen int) ([]byte, error) {
	return auth.DeriveCRAKey(secret, salt, iterations, keylen)
}

// SignCRA returns base64(HMAC-SHA256(key, challenge)) (auth.SignCRA).
func SignCRA(key []byte, challenge string) string { return auth.SignCRA(key, challenge) }

// Cryptosign is WAMP-cryptosign: the router sends 32 random octets (hex),
// the client answers hex(Ed25519 signature || signed data). With
// ChannelBinding "tls-unique" the signed data is the challenge XOR
// SHA-256(tls-unique) of the transport's TLS connection, which ties the
// answer to this connection; TLS 1.3 has no tls-unique, so binding needs
// TLS 1.2.
type Cryptosign struct {
	PrivateKey     ed25519.PrivateKey
	ChannelBinding string // "" or "tls-unique"

	channelID []byte
}

// Method returns "cryptosign".
func (*Cryptosign) Method() string { return "cryptosign" }

// copyForJoin returns a with none of a Join's state.
func (a *Cryptosign) copyForJoin() *Cryptosign {
	return &Cryptosign{PrivateKey: a.PrivateKey, ChannelBinding: a.ChannelBinding}
}

// HelloExtra announces the public key (and the channel binding).
func (a *Cryptosign) HelloExtra(t wamp.Transport) (wamp.Dict, error) {
	// PrivateKey.Public slices the key: check its length first.
	if len(a.PrivateKey) != ed25519.PrivateKeySize {
		return nil, errors.New("wamp/client: cryptosign needs an Ed25519 private key")
	}
	extra := wamp.Dict{"pubkey": hex.EncodeToString(a.PrivateKey.Public().(ed25519.PublicKey))}
	switch a.ChannelBinding {
	case "":
	case "tls-unique":
		st, err := connectionState(t)
		if err != nil {
			return nil, err
		}
		if len(st.TLSUnique) == 0 {
			return nil, errors.New("wamp/client: no tls-unique on this connection (TLS 1.3 has none)")
		}
		a.channelID = auth.CryptosignChannelID(st.TLSUnique)
		extra["channel_binding"] = "tls-unique"
	default:
		return nil, fmt.Errorf("wamp/client: unsupported channel binding %q", a.ChannelBinding)
	}
	return extra, nil
}

// Authenticate signs the challenge.
func (a *Cryptosign) Authenticate(_ context.Context, ch *wamp.Challenge) (string, wamp.Dict, error) {
	s, _ := ch.Extra["challenge"].(string)
	sig, err := auth.CryptosignSign(a.PrivateKey, s, a.channelID)
	if err != nil {
		return "", nil, err
	}
	return sig, wamp.Dict{}, nil
}

// SCRAM is WAMP-SCRAM (authmethod "scram", as Autobahn and Crossbar name
// it), computed as Autobahn|Python's AuthScram does: the router picks the
// KDF, "argon2id-13" (Argon2id v1.3, parallelism 1, 32 octets, salt sent in
// base64; the salted password is the unpadded base64 text of the hash, as
// argon2-cffi prints it) or "pbkdf2" (PBKDF2-SHA256, 32 octets, the salt
// string used as is). The client proves knowledge of the password without
// sending it, and checks the router's signature in WELCOME.
//
// The authid in the AuthMessage is normalized with SASLprep (RFC 4013), as
// Autobahn and the WAMP spec do; AuthID must be the authid sent in HELLO
// (JoinOptions.AuthID). The password is hashed as its UTF-8 bytes, as
// given, like Autobahn does and Crossbar derives its stored keys; set
// SASLprepPassword to normalize it first, as the WAMP spec says. Input that
// SASLprep prohibits (control characters, unassigned code points, mixed
// right-to-left text, …) makes Authenticate fail.
//
// ChannelBinding ties the authentication to the TLS connection (RFC 5929,
// RFC 9266), so that a man in the middle who terminates TLS cannot relay
// it: "tls-unique" (TLS 1.2 and lower only), "tls-server-end-point" (a hash
// of the router's certificate; works through TLS-terminating proxies that
// hold the router's certificate) or "tls-exporter" (TLS 1.3 only, Go's
// default). The binding is announced in HELLO and sent in AUTHENTICATE as
// the spec describes; the router must support it. Without a binding the
// exchange is exactly Autobahn's.
//
// Authenticate refuses a challenge whose nonce does not extend the client's,
// whose channel_binding is not the one asked for, or whose costs are
// unusually low (PBKDF2 below 1000 iterations, Argon2 below 512 KiB), as a
// rogue router would send to get a password hash that is cheap to crack.
// It also refuses costs a client should not pay for a router: Argon2 memory
// above MaxArgon2Memory, or Argon2 work (iterations × memory) above
// SCRAMMaxArgon2Work, which leaves a few seconds of derivation at most.
// When ctx ends during the derivation, Authenticate returns ctx's error at
// once; the derivation finishes in the background.
type SCRAM struct {
	AuthID           string
	Password         string
	SASLprepPassword bool
	ChannelBinding   string // "", "tls-unique", "tls-server-end-point" or "tls-exporter"
	// MaxArgon2Memory is the most Argon2 memory, in KiB, a challenge may
	// ask for; zero means DefaultSCRAMMaxArgon2Memory.
	MaxArgon2Memory int

	clientNonce string
	cbindData   []byte
	authMessage string
	saltedPass  []byte
}

// Lowest costs Authenticate accepts from a router.
const (
	scramMinPBKDF2Iterations = auth.MinPBKDF2Iterations
	scramMinArgon2Memory     = auth.MinArgon2Memory // KiB
)

// Highest Argon2 costs SCRAM.Authenticate accepts from a router by default.
// Autobahn|Python's and Crossbar's credentials (derive_scram_credential)
// use 512 KiB and 4096 iterations (a work of 1<<21), RFC 9106's second
// recommended setting 64 MiB and 3 iterations.
const (
	// DefaultSCRAMMaxArgon2Memory is SCRAM.MaxArgon2Memory when zero:
	// 64 MiB, in KiB.
	DefaultSCRAMMaxArgon2Memory = 64 << 10
	// SCRAMMaxArgon2Work bounds iterations × memory (KiB) of an Argon2
	// challenge: 8 GiB of memory passes, four times Autobahn's default
	// (auth.MaxArgon2Work).
	SCRAMMaxArgon2Work = auth.MaxArgon2Work
)

// Method returns "scram".
func (*SCRAM) Method() string { return "scram" }

// copyForJoin returns a with none of a Join's state.
func (a *SCRAM) copyForJoin() *SCRAM {
	return &SCRAM{AuthID: a.AuthID, Password: a.Password, SASLprepPassword: a.SASLprepPassword,
		ChannelBinding: a.ChannelBinding, MaxArgon2Memory: a.MaxArgon2Memory}
}

// HelloExtra sends a fresh client nonce and the channel binding type, and
// reads the binding data from t's TLS connection.
func (a *SCRAM) HelloExtra(t wamp.Transport) (wamp.Dict, error) {
	a.cbindData, a.authMessage, a.saltedPass = nil, "", nil
	a.clientNonce = auth.SCRAMNonce()
	extra := wamp.Dict{"nonce": a.clientNonce}
	if a.ChannelBinding != "" {
		data, err := channelBindingData(t, a.ChannelBinding)
		if err != nil {
			return nil, err
		}
		a.cbindData = data
		extra["channel_binding"] = a.ChannelBinding
	}
	return extra, nil
}

// Authenticate computes the client proof.
func (a *SCRAM) Authenticate(ctx context.Context, ch *wamp.Challenge) (string, wamp.Dict, error) {
	nonce, _ := ch.Extra["nonce"].(string)
	salt, _ := ch.Extra["salt"].(string)
	kdf, _ := ch.Extra["kdf"].(string)
	iterations, ok := wamp.AsInt64(ch.Extra["iterations"])
	if nonce == "" || salt == "" || !ok || iterations <= 0 || iterations > 1<<24 {
		return "", nil, errors.New("wamp/client: malformed scram challenge")
	}
	if !auth.SCRAMNonceExtends(a.clientNonce, nonce) {
		return "", nil, errors.New("wamp/client: scram challenge nonce does not extend the client nonce")
	}
	if cb, present := ch.Extra["channel_binding"]; present && cb != nil {
		if s, ok := cb.(string); !ok || s != a.ChannelBinding {
			return "", nil, fmt.Errorf("wamp/client: scram challenge has channel_binding %v, asked for %q", cb, a.ChannelBinding)
		}
	}
	memory, _ := wamp.AsInt64(ch.Extra["memory"])
	switch {
	case kdf == "pbkdf2" && iterations < scramMinPBKDF2Iterations:
		return "", nil, fmt.Errorf("wamp/client: scram challenge asks for %d PBKDF2 iterations, fewer than %d", iterations, scramMinPBKDF2Iterations)
	case (kdf == "argon2id-13" || kdf == "argon2id13") && memory < scramMinArgon2Memory:
		return "", nil, fmt.Errorf("wamp/client: scram challenge asks for %d KiB of Argon2 memory, less than %d", memory, scramMinArgon2Memory)
	}
	if kdf == "argon2id-13" || kdf == "argon2id13" {
		maxMemory := int64(a.MaxArgon2Memory)
		if maxMemory <= 0 {
			maxMemory = DefaultSCRAMMaxArgon2Memory
		}
		if memory > maxMemory {
			return "", nil, fmt.Errorf("wamp/client: scram challenge asks for %d KiB of Argon2 memory, more than %d (SCRAM.MaxArgon2Memory)", memory, maxMemory)
		}
		if iterations > SCRAMMaxArgon2Work/memory {
			return "", nil, fmt.Errorf("wamp/client: scram challenge asks for %d Argon2 iterations of %d KiB, more work than %d (SCRAMMaxArgon2Work)", iterations, memory, int64(SCRAMMaxArgon2Work))
		}
	}
	authID, err := auth.SASLprep(a.AuthID)
	if err != nil {
		return "", nil, fmt.Errorf("wamp/client: scram authid: %w", err)
	}
	password := a.Password
	if a.SASLprepPassword {
		if password, err = auth.SASLprep(password); err != nil {
			// Not err: it names a character of the password, and Join
			// sends the error to the router in ABORT.
			return "", nil, errors.New("wamp/client: scram password: saslprep: prohibited text (auth.SASLprep tells which)")
		}
	}
	if a.saltedPass, err = derive(ctx, func() ([]byte, error) {
		return SCRAMSaltedPassword(kdf, password, salt, int(iterations), int(memory))
	}); err != nil {
		return "", nil, err
	}
	// c=: Autobahn puts the challenge's (empty) channel_binding; with a
	// binding, the spec's base64(gs2-header + binding data) of RFC 5802.
	extra := wamp.Dict{}
	if a.ChannelBinding != "" {
		extra = wamp.Dict{
			"nonce":           nonce,
			"channel_binding": a.ChannelBinding,
			"cbind_data":      base64.StdEncoding.EncodeToString(a.cbindData),
		}
	}
	a.authMessage = auth.SCRAMAuthMessage(authID, a.clientNonce, nonce, salt, int(iterations), auth.SCRAMCBind(a.ChannelBinding, a.cbindData))
	return auth.SCRAMClientProof(a.saltedPass, a.authMessage), extra, nil
}

// derive runs f, a key derivation, for Authenticate: when ctx ends first it
// returns ctx.Err() at once, and f, whose cost the limits above bound to
// seconds, finishes in the background for nothing (a derivation cannot be
// interrupted).
func derive(ctx context.Context, f func() ([]byte, error)) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	type result struct {
		key []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		key, err := f()
		done <- result{key, err}
	}()
	select {
	case r := <-done:
		return r.key, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// connectionState returns the TLS state of t (rawsocket and websocket
// Conns have it).
func connectionState(t wamp.Transport) (tls.ConnectionState, error) {
	cs, ok := t.(interface {
		ConnectionState() (tls.ConnectionState, bool)
	})
	if !ok {
		return tls.ConnectionState{}, errors.New("wamp/client: channel binding needs a TLS transport")
	}
	st, ok := cs.ConnectionState()
	if !ok {
		return tls.ConnectionState{}, errors.New("wamp/client: channel binding needs a TLS transport, this one is plain")
	}
	return st, nil
}

// channelBindingData returns the client's channel binding data of type cb.
func channelBindingData(t wamp.Transport, cb string) ([]byte, error) {
	switch cb {
	case auth.BindTLSUnique, auth.BindTLSServerEndPoint, auth.BindTLSExporter:
	default:
		return nil, fmt.Errorf("wamp/client: unsupported channel binding %q", cb)
	}
	st, err := connectionState(t)
	if err != nil {
		return nil, err
	}
	return auth.ChannelBindingData(st, cb)
}

// SCRAMSaltedPassword derives the WAMP-SCRAM salted password the way
// Autobahn|Python does, for kdf "argon2id-13" (memory in KiB) or "pbkdf2"
// (auth.SCRAMSaltedPassword).
func SCRAMSaltedPassword(kdf, password, salt string, iterations, memory int) ([]byte, error) {
	return auth.SCRAMSaltedPassword(kdf, password, salt, iterations, memory)
}

// VerifyWelcome checks WELCOME.Details.authextra.scram_server_signature.
func (a *SCRAM) VerifyWelcome(details wamp.Dict) error {
	extra, _ := details["authextra"].(map[string]any)
	got, _ := extra["scram_server_signature"].(string)
	if a.saltedPass == nil || !auth.SCRAMVerifyServer(a.saltedPass, a.authMessage, got) {
		return errors.New("wamp/client: scram server signature does not verify")
	}
	return nil
}
