package tlsrec

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/tls"
	"encoding/hex"
	"strings"
	"testing"
)

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRFC8448Keys checks HKDF-Expand-Label and the key and IV a half
// derives against RFC 8448 section 3 ("Simple 1-RTT Handshake",
// TLS_AES_128_GCM_SHA256): the client and server
// application_traffic_secret_0 and the application write keys and IVs
// derived from them ("derive write traffic keys for application data").
func TestRFC8448Keys(t *testing.T) {
	vectors := []struct{ name, secret, key, iv string }{
		{"server",
			"a1 1a f9 f0 55 31 f8 56 ad 47 11 6b 45 a9 50 32 82 04 b4 f4 4b fb 6b 3a 4b 4f 1f 3f cb 63 16 43",
			"9f 02 28 3b 6c 9c 07 ef c2 6b b9 f2 ac 92 e3 56",
			"cf 78 2b 88 dd 83 54 9a ad f1 e9 84"},
		{"client",
			"9e 40 64 6c e7 9a 7f 9d c0 5a f8 88 9b ce 65 52 87 5a fa 0b 06 df 00 87 f7 92 eb b7 c1 75 04 a5",
			"17 42 2d da 59 6e d5 d9 ac d8 90 e3 c6 3f 50 51",
			"5b 78 92 3d ee 08 57 90 33 e5 23 d9"},
	}
	s := suiteByID(tls.TLS_AES_128_GCM_SHA256)
	for _, v := range vectors {
		secret, key, iv := unhex(t, v.secret), unhex(t, v.key), unhex(t, v.iv)
		if got := s.expandLabel(secret, "key", 16); !bytes.Equal(got, key) {
			t.Errorf("%s key %x, want %x", v.name, got, key)
		}
		if got := s.expandLabel(secret, "iv", 12); !bytes.Equal(got, iv) {
			t.Errorf("%s iv %x, want %x", v.name, got, iv)
		}
		// The half made from the secret seals as AES-128-GCM with that
		// key, at the nonce iv xor the sequence number.
		var h half
		if err := h.setSecret(s, bytes.Clone(secret)); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(h.iv[:], iv) {
			t.Errorf("%s half iv %x", v.name, h.iv)
		}
		b, _ := aes.NewCipher(key)
		ref, _ := cipher.NewGCM(b)
		h.seq = 0x0102030405060708
		nonce := bytes.Clone(iv)
		for i := range 8 {
			nonce[4+i] ^= byte(i + 1)
		}
		if got, want := h.nonce(), nonce; !bytes.Equal(got[:], want) {
			t.Errorf("%s nonce %x, want %x", v.name, got, want)
		}
		n := h.nonce()
		if got, want := h.aead.Seal(nil, n[:], []byte("msg"), []byte("ad")), ref.Seal(nil, nonce, []byte("msg"), []byte("ad")); !bytes.Equal(got, want) {
			t.Errorf("%s AEAD is not AES-128-GCM under the RFC's key", v.name)
		}
	}
}

// TestKeyUpdateSecret: a half's update is RFC 8446 7.2's
// application_traffic_secret_N+1 = HKDF-Expand-Label(secret_N,
// "traffic upd", "", Hash.length), for each suite's hash; the
// crypto/tls interop tests (keyupdate_test.go) check the same against
// another implementation.
func TestKeyUpdateSecret(t *testing.T) {
	for _, id := range allSuites {
		s := suiteByID(id)
		var h half
		sec := pattern(s.hashSz, 5)
		if err := h.setSecret(s, bytes.Clone(sec)); err != nil {
			t.Fatal(err)
		}
		h.seq = 9
		old := h.secret
		if err := h.update(s); err != nil {
			t.Fatal(err)
		}
		if want := s.expandLabel(sec, "traffic upd", s.hashSz); !bytes.Equal(h.secret, want) || h.seq != 0 {
			t.Errorf("%s: next secret %x seq %d", tls.CipherSuiteName(id), h.secret, h.seq)
		}
		if !bytes.Equal(old, make([]byte, len(old))) {
			t.Errorf("%s: the old secret was not cleared", tls.CipherSuiteName(id))
		}
	}
}
