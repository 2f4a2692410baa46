package aesgcm_test

import (
	"bytes"
	"testing"
)

// FuzzSeal compares sealing and opening with the standard library's
// AES-GCM for any key, nonce, plaintext and additional data.
func FuzzSeal(f *testing.F) {
	f.Add(make([]byte, 16), make([]byte, 12), []byte("hello"), []byte{23, 3, 3, 0, 22}, false)
	f.Add(bytes.Repeat([]byte{7}, 32), bytes.Repeat([]byte{1}, 12), make([]byte, 4101), []byte(nil), true)
	f.Fuzz(func(t *testing.T, key, nonce, pt, ad []byte, aes256 bool) {
		k := make([]byte, 16)
		if aes256 {
			k = make([]byte, 32)
		}
		copy(k, key)
		n := make([]byte, 12)
		copy(n, nonce)
		got, want := pair(t, k)
		ct := got.Seal(nil, n, pt, ad)
		if w := want.Seal(nil, n, pt, ad); !bytes.Equal(ct, w) {
			t.Fatalf("sealed differently: %x vs %x", ct, w)
		}
		if p, err := got.Open(nil, n, ct, ad); err != nil || !bytes.Equal(p, pt) {
			t.Fatalf("open: %v", err)
		}
		// Whatever the input, Open agrees with the standard library.
		p1, err1 := got.Open(nil, n, pt, ad)
		p2, err2 := want.Open(nil, n, pt, ad)
		if (err1 == nil) != (err2 == nil) || !bytes.Equal(p1, p2) {
			t.Fatalf("open of arbitrary input: %v vs %v", err1, err2)
		}
	})
}
