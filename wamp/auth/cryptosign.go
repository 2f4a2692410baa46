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
//
// A weak key (one ParsePublicKey refuses) verifies nothing.
func CryptosignVerify(pub ed25519.PublicKey, challenge string, channelID []byte, answer string) bool {
	if len(pub) != ed25519.PublicKeySize || weakPublicKey(pub) {
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
// It refuses weak keys: a point of small order (for which anyone can make
// signatures that ed25519.Verify accepts, for the neutral point for any
// message) or a non-canonical encoding; no key pair generated as Ed25519
// says has one.
func ParsePublicKey(s string) (ed25519.PublicKey, error) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, errors.New("wamp/auth: not an Ed25519 public key in hex")
	}
	if weakPublicKey(b) {
		return nil, errors.New("wamp/auth: weak Ed25519 public key (a point of small order, or not canonical)")
	}
	return ed25519.PublicKey(b), nil
}

// smallOrderY holds the y coordinates (little-endian) of the 8 points of
// order dividing 8 of edwards25519, whatever the sign of x: 1 (the neutral
// point), p-1 (order 2), 0 (order 4) and ±y8 (order 8), p = 2^255-19.
var smallOrderY = [5][32]byte{
	{1},
	{0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
	{},
	{0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98, 0xf0,
		0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05},
	{0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67, 0x0f,
		0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a},
}

// weakPublicKey reports whether pub (32 octets) encodes a y coordinate of
// p or more (not canonical) or the y of a point of small order.
func weakPublicKey(pub []byte) bool {
	var y [32]byte
	copy(y[:], pub)
	y[31] &= 0x7f // the sign of x
	// y >= p: the top 31 octets are those of p = 2^255-19 (ff…ff7f over
	// 0xed) and the lowest is 0xed or more.
	top := y[31] == 0x7f
	for _, c := range y[1:31] {
		top = top && c == 0xff
	}
	if top && y[0] >= 0xed {
		return true
	}
	for _, s := range smallOrderY {
		if y == s {
			return true
		}
	}
	return false
}
