package aesgcm_test

import (
	"testing"

	"github.com/autobahn-go/autobahn/internal/aesgcm"
	"github.com/autobahn-go/autobahn/internal/nvxtest"
)

// TestReview16AdditionalDataOverlapPanics: as with the standard library's
// AES-GCM, an output that shares any memory with the additional data
// panics, also when both start at the same address (Seal would otherwise
// overwrite the additional data before hashing it and return a record no
// peer can open).
func TestReview16AdditionalDataOverlapPanics(t *testing.T) {
	nonce := make([]byte, 12)
	nvxtest.ForEachImpl(t, aesgcm.Kernel, func(t *testing.T) {
		for _, n := range []int{0, 5, 100, 1000} {
			for _, adn := range []int{5, 16, 40} {
				for _, keyLen := range []int{16, 32} {
					a, _ := pair(t, make([]byte, keyLen))
					buf := make([]byte, 4096)
					pt := make([]byte, n)
					mustPanic(t, "Seal", n, adn, func() { a.Seal(buf[:0], nonce, pt, buf[:adn]) })
					mustPanic(t, "Seal", n, adn, func() { a.Seal(buf[3:3], nonce, pt, buf[:adn]) })
					if n == 0 {
						continue // Open has no output to overlap
					}
					ct := a.Seal(nil, nonce, pt, buf[:adn])
					mustPanic(t, "Open", n, adn, func() { _, _ = a.Open(buf[:0], nonce, ct, buf[:adn]) })
				}
			}
		}
	})
}

func mustPanic(t *testing.T, what string, n, adn int, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Helper()
			t.Fatalf("%s n=%d ad=%d: output over the additional data did not panic", what, n, adn)
		}
	}()
	f()
}
