package auth

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"

	"github.com/autobahn-go/autobahn/wamp/internal/saslprep"
)

// WAMP-SCRAM key derivation functions.
const (
	KDFArgon2id13 = "argon2id-13" // Argon2id v1.3, parallelism 1, 32 octets; salt in base64
	KDFPBKDF2     = "pbkdf2"      // PBKDF2-SHA256, 32 octets; the salt text used as is
)

// Lowest KDF costs a client should accept from a router (lower costs make
// the salted password cheap to crack for a rogue router).
const (
	MinPBKDF2Iterations = 1000
	MinArgon2Memory     = 512 // KiB
)

// SASLprep normalizes s with SASLprep (RFC 4013), as WAMP-SCRAM does with
// the authid; it fails on text SASLprep prohibits.
func SASLprep(s string) (string, error) { return saslprep.Prepare(s) }

// Highest Argon2 costs SCRAMSaltedPassword derives: memory (KiB), and work,
// iterations × memory, which leaves a few seconds of derivation at most
// (RFC 9106's first recommended setting, 2 GiB and one pass, is a work of
// 1<<21; Autobahn's and Crossbar's, 512 KiB and 4096 iterations, too).
// A client that answers routers it does not trust should bound the memory
// lower still, as wamp/client does (64 MiB by default).
const (
	MaxArgon2Memory = 1 << 22 // KiB: 4 GiB
	MaxArgon2Work   = 1 << 23 // iterations × KiB
)

// SCRAMSaltedPassword derives the WAMP-SCRAM salted password the way
// Autobahn|Python does. For "argon2id-13" (also spelled "argon2id13") the
// salt is base64, memory is in KiB, and the result is the unpadded base64
// text of the 32-octet hash (as argon2-cffi prints it); for "pbkdf2" the
// salt text is the salt and the result is the 32 octets. It refuses costs
// above MaxPBKDF2Work, MaxArgon2Memory and MaxArgon2Work (and Argon2
// iterations above 1<<16).
func SCRAMSaltedPassword(kdf, password, salt string, iterations, memory int) ([]byte, error) {
	if iterations <= 0 {
		return nil, errors.New("wamp/auth: scram needs iterations > 0")
	}
	switch kdf {
	case KDFArgon2id13, "argon2id13":
		if memory <= 0 || memory > MaxArgon2Memory || iterations > 1<<16 {
			return nil, fmt.Errorf("wamp/auth: scram argon2id-13 needs memory in 1..%d KiB (MaxArgon2Memory) and iterations in 1..%d", MaxArgon2Memory, 1<<16)
		}
		if iterations > MaxArgon2Work/memory {
			return nil, fmt.Errorf("wamp/auth: scram argon2id-13 of %d iterations of %d KiB is more work than %d (MaxArgon2Work)", iterations, memory, MaxArgon2Work)
		}
		raw, err := base64.StdEncoding.DecodeString(salt)
		if err != nil {
			return nil, errors.New("wamp/auth: scram salt is not base64")
		}
		h := argon2.IDKey([]byte(password), raw, uint32(iterations), uint32(memory), 1, 32)
		return []byte(base64.RawStdEncoding.EncodeToString(h)), nil
	case KDFPBKDF2:
		if iterations > MaxPBKDF2Work {
			return nil, fmt.Errorf("wamp/auth: scram pbkdf2 iterations %d out of range (at most MaxPBKDF2Work, %d)", iterations, MaxPBKDF2Work)
		}
		return pbkdf2.Key(sha256.New, password, []byte(salt), iterations, 32)
	}
	return nil, fmt.Errorf("wamp/auth: unsupported scram kdf %q", kdf)
}

// SCRAMNonce returns a new client nonce: 16 random octets in base64.
func SCRAMNonce() string {
	var n [16]byte
	_, _ = rand.Read(n[:]) // never fails (crypto/rand)
	return base64.StdEncoding.EncodeToString(n[:])
}

// SCRAMServerNonce returns the router's nonce for a client nonce: the
// client's text followed by 16 random octets in base64 (RFC 5802's
// "client nonce with the server's appended").
func SCRAMServerNonce(clientNonce string) string {
	return clientNonce + SCRAMNonce()
}

// SCRAMNonceExtends reports whether serverNonce extends clientNonce:
// either as text (RFC 5802, SCRAMServerNonce), or as the octets the two
// encode in base64, which is how Crossbar builds it (base64 of the client
// nonce's octets followed by its own).
func SCRAMNonceExtends(clientNonce, serverNonce string) bool {
	if clientNonce == "" || len(serverNonce) <= len(clientNonce) {
		return false
	}
	if strings.HasPrefix(serverNonce, clientNonce) {
		return true
	}
	c, err1 := base64.StdEncoding.DecodeString(clientNonce)
	s, err2 := base64.StdEncoding.DecodeString(serverNonce)
	return err1 == nil && err2 == nil && len(c) > 0 && len(s) > len(c) && subtle.ConstantTimeCompare(s[:len(c)], c) == 1
}

// SCRAMCBind returns the c= attribute of the AuthMessage: empty without a
// binding (typ ""), as Autobahn and Crossbar send it, else
// base64("p=" + typ + ",," + data) (RFC 5802 gs2 header and binding data).
func SCRAMCBind(typ string, data []byte) string {
	if typ == "" {
		return ""
	}
	return base64.StdEncoding.EncodeToString(append([]byte("p="+typ+",,"), data...))
}

// SCRAMAuthMessage returns the AuthMessage both sides sign:
// client-first-bare "," server-first "," client-final-without-proof, that
// is "n=authID,r=clientNonce,r=serverNonce,s=salt,i=iterations,c=cbind,r=serverNonce".
// authID must be SASLprepared already; salt is the text of the CHALLENGE.
func SCRAMAuthMessage(authID, clientNonce, serverNonce, salt string, iterations int, cbind string) string {
	return "n=" + authID + ",r=" + clientNonce +
		",r=" + serverNonce + ",s=" + salt + ",i=" + strconv.Itoa(iterations) +
		",c=" + cbind + ",r=" + serverNonce
}

// SCRAMClientProof returns the client's proof, base64(ClientKey XOR
// HMAC(StoredKey, AuthMessage)).
func SCRAMClientProof(saltedPassword []byte, authMessage string) string {
	clientKey := hmacSHA256(saltedPassword, []byte("Client Key"))
	storedKey := sha256.Sum256(clientKey)
	sig := hmacSHA256(storedKey[:], []byte(authMessage))
	subtle.XORBytes(sig, sig, clientKey)
	return base64.StdEncoding.EncodeToString(sig)
}

// SCRAMVerifyServer is the client's check of the router's signature (from
// WELCOME.Details.authextra.scram_server_signature).
func SCRAMVerifyServer(saltedPassword []byte, authMessage, signature string) bool {
	serverKey := hmacSHA256(saltedPassword, []byte("Server Key"))
	want := base64.StdEncoding.EncodeToString(hmacSHA256(serverKey, []byte(authMessage)))
	return VerifyTicket(want, signature)
}

// SCRAMCredential is what a router stores for a WAMP-SCRAM user: the KDF
// and its parameters (sent in CHALLENGE) and the two keys, from which the
// password cannot be recovered.
type SCRAMCredential struct {
	KDF        string
	Salt       string // as sent in CHALLENGE.Extra.salt: base64 for argon2id-13
	Iterations int
	Memory     int    // KiB; argon2id-13 only
	StoredKey  []byte // SHA-256(HMAC(SaltedPassword, "Client Key"))
	ServerKey  []byte // HMAC(SaltedPassword, "Server Key")
}

// NewSCRAMCredential derives the credential of password. An empty salt
// gets 16 random octets (in base64).
func NewSCRAMCredential(kdf, password, salt string, iterations, memory int) (*SCRAMCredential, error) {
	if salt == "" {
		salt = SCRAMNonce()
	}
	salted, err := SCRAMSaltedPassword(kdf, password, salt, iterations, memory)
	if err != nil {
		return nil, err
	}
	clientKey := hmacSHA256(salted, []byte("Client Key"))
	stored := sha256.Sum256(clientKey)
	return &SCRAMCredential{
		KDF: kdf, Salt: salt, Iterations: iterations, Memory: memory,
		StoredKey: stored[:], ServerKey: hmacSHA256(salted, []byte("Server Key")),
	}, nil
}

// Verify checks a client proof (base64) of authMessage: it recovers the
// ClientKey from the proof and compares its hash with StoredKey.
func (c *SCRAMCredential) Verify(authMessage, proof string) bool {
	p, err := base64.StdEncoding.DecodeString(proof)
	if err != nil || len(p) != sha256.Size || len(c.StoredKey) != sha256.Size {
		return false
	}
	sig := hmacSHA256(c.StoredKey, []byte(authMessage))
	subtle.XORBytes(sig, sig, p)
	got := sha256.Sum256(sig)
	return subtle.ConstantTimeCompare(got[:], c.StoredKey) == 1
}

// ServerSignature returns base64(HMAC(ServerKey, authMessage)), what the
// router sends in WELCOME.Details.authextra.scram_server_signature.
func (c *SCRAMCredential) ServerSignature(authMessage string) string {
	return base64.StdEncoding.EncodeToString(hmacSHA256(c.ServerKey, []byte(authMessage)))
}
