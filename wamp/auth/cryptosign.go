package auth

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
)

// CryptosignChallengeSize is the number of random octets in a cryptosign
// challenge.
const CryptosignChallengeSize = 32

// CryptosignChallenge returns a new cryptosign challenge: 32 random octets
// in hex, what the router sends in CHALLENGE.Extra.challenge.
func CryptosignChallenge() (string, error) {
	var b [CryptosignChallengeSize]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}

// CryptosignChannelID returns the channel ID cryptosign mixes into the
// signed data for the "tls-unique" binding: SHA-256 of the tls-unique
// data (the first TLS Finished message), as Autobahn computes it.
func CryptosignChannelID(tlsUnique []byte) []byte {
	sum := sha256.Sum256(tlsUnique)
	return sum[:]
}

// cryptosignData decodes the challenge and mixes in the channel ID.
func cryptosignData(challenge string, channelID []byte) ([]byte, error) {
	data, err := hex.DecodeString(challenge)
	if err != nil || len(data) != CryptosignChallengeSize {
		return nil, errors.New("wamp/auth: cryptosign challenge is not 32 hex-encoded octets")
	}
	if channelID != nil {
		if len(channelID) != CryptosignChallengeSize {
			return nil, errors.New("wamp/auth: cryptosign channel ID is not 32 octets")
		}
		subtle.XORBytes(data, data, channelID)
	}
	return data, nil
}

// CryptosignSign answers a cryptosign challenge (hex): it signs the
// challenge's octets, XORed with channelID when not nil, and returns
// hex(signature || signed data), 192 hex digits, as Autobahn does.
func CryptosignSign(priv ed25519.PrivateKey, challenge string, channelID []byte) (string, error) {
	if len(priv) != ed25519.PrivateKeySize {
		return "", errors.New("wamp/auth: cryptosign needs an Ed25519 private key")
	}
	data, err := cryptosignData(challenge, channelID)
	if err != nil {
		return "", err
	}
	sig := ed25519.Sign(priv, data)
	return hex.EncodeToString(append(sig, data...)), nil
}

// CryptosignVerify checks a cryptosign answer against the challenge the
// router sent and the client's public key. The answer is hex(signature ||
// signed data), where the signed data must be the challenge (XOR
// channelID when not nil), or the bare signature (128 hex digits), which
// some clients send.
func CryptosignVerify(pub ed25519.PublicKey, challenge string, channelID []byte, answer string) bool {
	if len(pub) != ed25519.PublicKeySize {
		return false
	}
	want, err := cryptosignData(challenge, channelID)
	if err != nil {
		return false
	}
	b, err := hex.DecodeString(answer)
	if err != nil {
		return false
	}
	switch len(b) {
	case ed25519.SignatureSize:
	case ed25519.SignatureSize + CryptosignChallengeSize:
		if subtle.ConstantTimeCompare(b[ed25519.SignatureSize:], want) != 1 {
			return false
		}
	default:
		return false
	}
	return ed25519.Verify(pub, want, b[:ed25519.SignatureSize])
}

// ParsePublicKey decodes an Ed25519 public key in hex (64 digits), as
// HELLO.Details.authextra.pubkey and Crossbar's authorized_keys hold it.
func ParsePublicKey(s string) (ed25519.PublicKey, error) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, errors.New("wamp/auth: not an Ed25519 public key in hex")
	}
	return ed25519.PublicKey(b), nil
}
