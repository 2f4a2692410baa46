package client

import (
	"context"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/internal/saslprep"
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
// PBKDF2-SHA256(secret, salt, iterations, keylen) (salted secrets).
type CRA struct {
	Secret string
}

// Method returns "wampcra".
func (*CRA) Method() string { return "wampcra" }

// HelloExtra returns nil.
func (*CRA) HelloExtra(wamp.Transport) (wamp.Dict, error) { return nil, nil }

// Authenticate signs the challenge.
func (a *CRA) Authenticate(_ context.Context, ch *wamp.Challenge) (string, wamp.Dict, error) {
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
		var err error
		if key, err = DeriveCRAKey(a.Secret, salt, iterations, keylen); err != nil {
			return "", nil, err
		}
	}
	return SignCRA(key, challenge), wamp.Dict{}, nil
}

// DeriveCRAKey returns base64(PBKDF2-SHA256(secret, salt, iterations,
// keylen)), the key Autobahn and Crossbar use for salted WAMP-CRA secrets.
func DeriveCRAKey(secret, salt string, iterations, keylen int) ([]byte, error) {
	dk, err := pbkdf2.Key(sha256.New, secret, []byte(salt), iterations, keylen)
	if err != nil {
		return nil, err
	}
	return []byte(base64.StdEncoding.EncodeToString(dk)), nil
}

// SignCRA returns base64(HMAC-SHA256(key, challenge)).
func SignCRA(key []byte, challenge string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(challenge))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

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

// HelloExtra announces the public key (and the channel binding).
func (a *Cryptosign) HelloExtra(t wamp.Transport) (wamp.Dict, error) {
	pub, ok := a.PrivateKey.Public().(ed25519.PublicKey)
	if !ok || len(a.PrivateKey) != ed25519.PrivateKeySize {
		return nil, errors.New("wamp/client: cryptosign needs an Ed25519 private key")
	}
	extra := wamp.Dict{"pubkey": hex.EncodeToString(pub)}
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
		sum := sha256.Sum256(st.TLSUnique)
		a.channelID = sum[:]
		extra["channel_binding"] = "tls-unique"
	default:
		return nil, fmt.Errorf("wamp/client: unsupported channel binding %q", a.ChannelBinding)
	}
	return extra, nil
}

// Authenticate signs the challenge.
func (a *Cryptosign) Authenticate(_ context.Context, ch *wamp.Challenge) (string, wamp.Dict, error) {
	s, _ := ch.Extra["challenge"].(string)
	data, err := hex.DecodeString(s)
	if err != nil || len(data) != 32 {
		return "", nil, errors.New("wamp/client: cryptosign challenge is not 32 hex-encoded octets")
	}
	if a.channelID != nil {
		subtle.XORBytes(data, data, a.channelID)
	}
	sig := ed25519.Sign(a.PrivateKey, data)
	return hex.EncodeToString(append(sig, data...)), wamp.Dict{}, nil
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
type SCRAM struct {
	AuthID           string
	Password         string
	SASLprepPassword bool
	ChannelBinding   string // "", "tls-unique", "tls-server-end-point" or "tls-exporter"

	clientNonce string
	cbindData   []byte
	authMessage []byte
	saltedPass  []byte
}

// Lowest costs Authenticate accepts from a router.
const (
	scramMinPBKDF2Iterations = 1000
	scramMinArgon2Memory     = 512 // KiB
)

// Method returns "scram".
func (*SCRAM) Method() string { return "scram" }

// HelloExtra sends a fresh client nonce and the channel binding type, and
// reads the binding data from t's TLS connection.
func (a *SCRAM) HelloExtra(t wamp.Transport) (wamp.Dict, error) {
	a.cbindData, a.authMessage, a.saltedPass = nil, nil, nil
	var n [16]byte
	rand.Read(n[:])
	a.clientNonce = base64.StdEncoding.EncodeToString(n[:])
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
func (a *SCRAM) Authenticate(_ context.Context, ch *wamp.Challenge) (string, wamp.Dict, error) {
	nonce, _ := ch.Extra["nonce"].(string)
	salt, _ := ch.Extra["salt"].(string)
	kdf, _ := ch.Extra["kdf"].(string)
	iterations, ok := wamp.AsInt64(ch.Extra["iterations"])
	if nonce == "" || salt == "" || !ok || iterations <= 0 || iterations > 1<<24 {
		return "", nil, errors.New("wamp/client: malformed scram challenge")
	}
	if a.clientNonce == "" || len(nonce) <= len(a.clientNonce) || !strings.HasPrefix(nonce, a.clientNonce) {
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
	authID, err := saslprep.Prepare(a.AuthID)
	if err != nil {
		return "", nil, fmt.Errorf("wamp/client: scram authid: %w", err)
	}
	password := a.Password
	if a.SASLprepPassword {
		if password, err = saslprep.Prepare(password); err != nil {
			return "", nil, fmt.Errorf("wamp/client: scram password: %w", err)
		}
	}
	if a.saltedPass, err = SCRAMSaltedPassword(kdf, password, salt, int(iterations), int(memory)); err != nil {
		return "", nil, err
	}
	// c=: Autobahn puts the challenge's (empty) channel_binding; with a
	// binding, the spec's base64(gs2-header + binding data) of RFC 5802.
	cbind, extra := "", wamp.Dict{}
	if a.ChannelBinding != "" {
		cbind = base64.StdEncoding.EncodeToString(append([]byte("p="+a.ChannelBinding+",,"), a.cbindData...))
		extra = wamp.Dict{
			"nonce":           nonce,
			"channel_binding": a.ChannelBinding,
			"cbind_data":      base64.StdEncoding.EncodeToString(a.cbindData),
		}
	}
	a.authMessage = []byte("n=" + authID + ",r=" + a.clientNonce +
		",r=" + nonce + ",s=" + salt + ",i=" + strconv.FormatInt(iterations, 10) +
		",c=" + cbind + ",r=" + nonce)
	clientKey := hmacSHA256(a.saltedPass, []byte("Client Key"))
	storedKey := sha256.Sum256(clientKey)
	sig := hmacSHA256(storedKey[:], a.authMessage)
	proof := make([]byte, len(clientKey))
	subtle.XORBytes(proof, clientKey, sig)
	return base64.StdEncoding.EncodeToString(proof), extra, nil
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
	case "tls-unique", "tls-server-end-point", "tls-exporter":
	default:
		return nil, fmt.Errorf("wamp/client: unsupported channel binding %q", cb)
	}
	st, err := connectionState(t)
	if err != nil {
		return nil, err
	}
	switch cb {
	case "tls-unique": // RFC 5929 §3: the first Finished message
		if st.Version >= tls.VersionTLS13 || len(st.TLSUnique) == 0 {
			return nil, fmt.Errorf("wamp/client: no tls-unique on %s (TLS 1.3 has none; use tls-exporter)", tls.VersionName(st.Version))
		}
		return st.TLSUnique, nil
	case "tls-exporter": // RFC 9266
		if st.Version < tls.VersionTLS13 {
			return nil, fmt.Errorf("wamp/client: tls-exporter needs TLS 1.3, the connection is %s (use tls-unique)", tls.VersionName(st.Version))
		}
		return st.ExportKeyingMaterial("EXPORTER-Channel-Binding", nil, 32)
	}
	// tls-server-end-point, RFC 5929 §4.1: the hash of the server's
	// certificate with its signature's hash, SHA-256 for MD5 and SHA-1.
	if len(st.PeerCertificates) == 0 {
		return nil, errors.New("wamp/client: tls-server-end-point: the router sent no certificate")
	}
	cert := st.PeerCertificates[0]
	var h hash.Hash
	switch cert.SignatureAlgorithm {
	case x509.MD5WithRSA, x509.SHA1WithRSA, x509.DSAWithSHA1, x509.ECDSAWithSHA1,
		x509.SHA256WithRSA, x509.SHA256WithRSAPSS, x509.DSAWithSHA256, x509.ECDSAWithSHA256:
		h = sha256.New()
	case x509.SHA384WithRSA, x509.SHA384WithRSAPSS, x509.ECDSAWithSHA384:
		h = sha512.New384()
	case x509.SHA512WithRSA, x509.SHA512WithRSAPSS, x509.ECDSAWithSHA512:
		h = sha512.New()
	default:
		return nil, fmt.Errorf("wamp/client: tls-server-end-point is undefined for %v certificates (RFC 5929 §4.1)", cert.SignatureAlgorithm)
	}
	h.Write(cert.Raw)
	return h.Sum(nil), nil
}

// SCRAMSaltedPassword derives the WAMP-SCRAM salted password the way
// Autobahn|Python does, for kdf "argon2id-13" (memory in KiB) or "pbkdf2".
func SCRAMSaltedPassword(kdf, password, salt string, iterations, memory int) ([]byte, error) {
	switch kdf {
	case "argon2id-13", "argon2id13":
		if memory <= 0 || memory > 1<<22 || iterations > 1<<16 {
			return nil, errors.New("wamp/client: scram argon2id-13 needs memory (KiB) and sane costs")
		}
		raw, err := base64.StdEncoding.DecodeString(salt)
		if err != nil {
			return nil, errors.New("wamp/client: scram salt is not base64")
		}
		h := argon2.IDKey([]byte(password), raw, uint32(iterations), uint32(memory), 1, 32)
		return []byte(base64.RawStdEncoding.EncodeToString(h)), nil
	case "pbkdf2":
		return pbkdf2.Key(sha256.New, password, []byte(salt), iterations, 32)
	}
	return nil, fmt.Errorf("wamp/client: unsupported scram kdf %q", kdf)
}

// VerifyWelcome checks WELCOME.Details.authextra.scram_server_signature.
func (a *SCRAM) VerifyWelcome(details wamp.Dict) error {
	extra, _ := details["authextra"].(map[string]any)
	got, _ := extra["scram_server_signature"].(string)
	serverKey := hmacSHA256(a.saltedPass, []byte("Server Key"))
	want := base64.StdEncoding.EncodeToString(hmacSHA256(serverKey, a.authMessage))
	if subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return errors.New("wamp/client: scram server signature does not verify")
	}
	return nil
}

func hmacSHA256(key, data []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(data)
	return m.Sum(nil)
}
