package client

import (
	"context"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"

	"github.com/autobahn-go/autobahn/wamp"
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
		cs, ok := t.(interface {
			ConnectionState() (tls.ConnectionState, bool)
		})
		if !ok {
			return nil, errors.New("wamp/client: channel binding needs a TLS transport")
		}
		st, ok := cs.ConnectionState()
		if !ok || len(st.TLSUnique) == 0 {
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
type SCRAM struct {
	AuthID   string
	Password string

	clientNonce string
	authMessage []byte
	saltedPass  []byte
}

// Method returns "scram".
func (*SCRAM) Method() string { return "scram" }

// HelloExtra sends a fresh client nonce.
func (a *SCRAM) HelloExtra(wamp.Transport) (wamp.Dict, error) {
	var n [16]byte
	rand.Read(n[:])
	a.clientNonce = base64.StdEncoding.EncodeToString(n[:])
	return wamp.Dict{"nonce": a.clientNonce}, nil
}

// Authenticate computes the client proof.
func (a *SCRAM) Authenticate(_ context.Context, ch *wamp.Challenge) (string, wamp.Dict, error) {
	nonce, _ := ch.Extra["nonce"].(string)
	salt, _ := ch.Extra["salt"].(string)
	kdf, _ := ch.Extra["kdf"].(string)
	cb, _ := ch.Extra["channel_binding"].(string)
	iterations, ok := wamp.AsInt64(ch.Extra["iterations"])
	if nonce == "" || salt == "" || !ok || iterations <= 0 || iterations > 1<<24 || !strings.HasPrefix(nonce, a.clientNonce) {
		return "", nil, errors.New("wamp/client: malformed scram challenge")
	}
	memory, _ := wamp.AsInt64(ch.Extra["memory"])
	var err error
	if a.saltedPass, err = SCRAMSaltedPassword(kdf, a.Password, salt, int(iterations), int(memory)); err != nil {
		return "", nil, err
	}
	a.authMessage = []byte("n=" + a.AuthID + ",r=" + a.clientNonce +
		",r=" + nonce + ",s=" + salt + ",i=" + strconv.FormatInt(iterations, 10) +
		",c=" + cb + ",r=" + nonce)
	clientKey := hmacSHA256(a.saltedPass, []byte("Client Key"))
	storedKey := sha256.Sum256(clientKey)
	sig := hmacSHA256(storedKey[:], a.authMessage)
	proof := make([]byte, len(clientKey))
	subtle.XORBytes(proof, clientKey, sig)
	return base64.StdEncoding.EncodeToString(proof), wamp.Dict{}, nil
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
