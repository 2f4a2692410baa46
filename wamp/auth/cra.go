package auth

import (
	"bytes"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// VerifyTicket reports whether got equals want, comparing in time that
// does not depend on where they differ (only on their lengths).
func VerifyTicket(want, got string) bool {
	return subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}

// Defaults of salted WAMP-CRA secrets, as Crossbar sends them when its
// configuration gives a salt without iterations or keylen.
const (
	DefaultCRAIterations = 1000
	DefaultCRAKeyLen     = 32
)

// MaxPBKDF2Work bounds the PBKDF2-SHA256 work DeriveCRAKey and
// SCRAMSaltedPassword do: iterations times the 32-octet blocks of the key
// (one for SCRAM). The parameters come from the peer's CHALLENGE or from a
// configuration, and this much is seconds of work, not hours.
const MaxPBKDF2Work = 1 << 24

// DeriveCRAKey returns base64(PBKDF2-SHA256(secret, salt, iterations,
// keylen)), the key Autobahn and Crossbar sign with for salted WAMP-CRA
// secrets (Autobahn's derive_key): the text itself, not the octets it
// encodes, is the HMAC key. It refuses keylen above 1024 and work
// (iterations × ceil(keylen/32)) above MaxPBKDF2Work.
func DeriveCRAKey(secret, salt string, iterations, keylen int) ([]byte, error) {
	if iterations <= 0 || keylen <= 0 || keylen > 1024 {
		return nil, errors.New("wamp/auth: wampcra key derivation needs iterations > 0 and keylen in 1..1024")
	}
	if blocks := (keylen + 31) / 32; iterations > MaxPBKDF2Work/blocks {
		return nil, fmt.Errorf("wamp/auth: wampcra key derivation of %d iterations of %d octets is more PBKDF2 work than %d (MaxPBKDF2Work)", iterations, keylen, MaxPBKDF2Work)
	}
	dk, err := pbkdf2.Key(sha256.New, secret, []byte(salt), iterations, keylen)
	if err != nil {
		return nil, err
	}
	return []byte(base64.StdEncoding.EncodeToString(dk)), nil
}

// SignCRA returns base64(HMAC-SHA256(key, challenge)), the WAMP-CRA
// signature (Autobahn's compute_wcs).
func SignCRA(key []byte, challenge string) string {
	return base64.StdEncoding.EncodeToString(hmacSHA256(key, []byte(challenge)))
}

// VerifyCRA reports whether signature is SignCRA(key, challenge).
func VerifyCRA(key []byte, challenge, signature string) bool {
	return VerifyTicket(SignCRA(key, challenge), signature)
}

// CRAChallengeInfo is what a WAMP-CRA challenge string tells the client.
type CRAChallengeInfo struct {
	AuthID       string
	AuthRole     string
	AuthMethod   string // "" means "wampcra"
	AuthProvider string
	Session      uint64
	// Nonce and Timestamp are filled in by CRAChallenge when empty/zero.
	Nonce     string
	Timestamp time.Time
}

// CRAChallenge returns the WAMP-CRA challenge string as Crossbar builds it:
// a JSON object with authid, authrole, authmethod, authprovider, session,
// nonce (64 random base64 characters) and timestamp (UTC, milliseconds,
// "Z"), in that order, with Python's separators (", " and ": ") and
// non-ASCII text unescaped. The client signs the text, so any text works;
// the format only makes the routers alike.
func CRAChallenge(info CRAChallengeInfo) (string, error) {
	if info.AuthMethod == "" {
		info.AuthMethod = "wampcra"
	}
	if info.Nonce == "" {
		var n [48]byte
		if _, err := rand.Read(n[:]); err != nil {
			return "", err
		}
		info.Nonce = base64.StdEncoding.EncodeToString(n[:]) // 64 characters
	}
	if info.Timestamp.IsZero() {
		info.Timestamp = time.Now()
	}
	var b bytes.Buffer
	field := func(first bool, k string, v []byte) {
		if !first {
			b.WriteString(", ")
		}
		b.WriteString(`"` + k + `": `)
		b.Write(v)
	}
	field(true, "authid", jsonString(info.AuthID))
	field(false, "authrole", jsonString(info.AuthRole))
	field(false, "authmethod", jsonString(info.AuthMethod))
	field(false, "authprovider", jsonString(info.AuthProvider))
	field(false, "session", []byte(strconv.FormatUint(info.Session, 10)))
	field(false, "nonce", jsonString(info.Nonce))
	field(false, "timestamp", jsonString(info.Timestamp.UTC().Format("2006-01-02T15:04:05.000Z")))
	return "{" + b.String() + "}", nil
}

// jsonString encodes s as a JSON string without HTML escapes.
func jsonString(s string) []byte {
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false)
	_ = e.Encode(s) // a string always encodes
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

func hmacSHA256(key, data []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(data)
	return m.Sum(nil)
}
