package tlsrec

import (
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"hash"

	"github.com/autobahn-go/autobahn/internal/aesgcm"
	"golang.org/x/crypto/chacha20poly1305"
)

// A suite is one of TLS 1.3's cipher suites (RFC 8446 B.4).
type suite struct {
	id     uint16
	keyLen int
	hash   func() hash.Hash
	hashSz int
	aead   func(key []byte) (cipher.AEAD, error)
}

var suites = [...]suite{
	{tls.TLS_AES_128_GCM_SHA256, 16, sha256.New, sha256.Size, aesgcm.New},
	{tls.TLS_AES_256_GCM_SHA384, 32, sha512.New384, sha512.Size384, aesgcm.New},
	{tls.TLS_CHACHA20_POLY1305_SHA256, chacha20poly1305.KeySize, sha256.New, sha256.Size, chacha20poly1305.New},
}

func suiteByID(id uint16) *suite {
	for i := range suites {
		if suites[i].id == id {
			return &suites[i]
		}
	}
	return nil
}

var errSuite = errors.New("tlsrec: not a TLS 1.3 cipher suite")

// expandLabel is HKDF-Expand-Label (RFC 8446 section 7.1) with an empty
// context.
func (s *suite) expandLabel(secret []byte, label string, n int) []byte {
	info := make([]byte, 0, 4+len("tls13 ")+len(label))
	info = binary.BigEndian.AppendUint16(info, uint16(n))
	info = append(info, byte(len("tls13 ")+len(label)))
	info = append(info, "tls13 "...)
	info = append(info, label...)
	info = append(info, 0)
	out, err := hkdf.Expand(s.hash, secret, string(info), n)
	if err != nil {
		panic("tlsrec: " + err.Error()) // only for n > 255 hash sizes
	}
	return out
}

// ivLen is the size of every TLS 1.3 AEAD's nonce (RFC 8446 5.3), tagLen
// of its tag (all three suites').
const (
	ivLen  = 12
	tagLen = 16
)

// half is one direction's record protection: the traffic secret, the
// AEAD and IV derived from it, and the next record's sequence number.
type half struct {
	aead   cipher.AEAD // nil after Conn.Compact, until the next record
	key    []byte      // what aead is made from again
	iv     [ivLen]byte
	nb     [ivLen]byte // the current record's nonce (in h: passed to the AEAD, it would escape from the stack)
	seq    uint64
	secret []byte
	// spent: seq went past 2^64-1, which RFC 8446 5.3 forbids: the key
	// may protect no more records.
	spent bool
}

// setSecret derives h's key and IV from secret (RFC 8446 7.3) and
// restarts the sequence.
func (h *half) setSecret(s *suite, secret []byte) error {
	key := s.expandLabel(secret, "key", s.keyLen)
	aead, err := s.aead(key)
	if err != nil {
		clear(key)
		return err
	}
	if aead.NonceSize() != ivLen || aead.Overhead() != tagLen {
		clear(key)
		return errSuite
	}
	copy(h.iv[:], s.expandLabel(secret, "iv", ivLen))
	clear(h.secret)
	clear(h.key)
	h.aead, h.key, h.secret, h.seq, h.spent = aead, key, secret, 0, false
	return nil
}

// cipher returns h's AEAD, made again from its key after Conn.Compact.
func (h *half) cipher(s *suite) cipher.AEAD {
	if h.aead == nil {
		a, err := s.aead(h.key)
		if err != nil {
			// The same key made an AEAD before: only a broken
			// invariant of this package gets here.
			panic("tlsrec: remaking an AEAD: " + err.Error())
		}
		h.aead = a
	}
	return h.aead
}

// next moves h past the sequence number of the record just protected.
func (h *half) next() {
	h.seq++
	if h.seq == 0 {
		h.spent = true
	}
}

// update moves h to the next generation of its traffic secret (a
// KeyUpdate, RFC 8446 7.2).
func (h *half) update(s *suite) error {
	return h.setSecret(s, s.expandLabel(h.secret, "traffic upd", s.hashSz))
}

// nonce is the per-record nonce: the IV xor the sequence number (RFC 8446
// 5.3), valid until the next call.
func (h *half) nonce() []byte {
	h.nb = h.iv
	var seq [8]byte
	binary.BigEndian.PutUint64(seq[:], h.seq)
	for i, b := range seq {
		h.nb[ivLen-8+i] ^= b
	}
	return h.nb[:]
}
