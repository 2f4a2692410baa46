package aesgcm_test

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/autobahn-go/autobahn/internal/aesgcm"
	"github.com/autobahn-go/autobahn/internal/nvxtest"
)

// TestReviewRandomLengths compares every implementation with the standard
// library at random plaintext lengths past those TestMatchesStd walks
// (to 20000 bytes, so every count of 16-block steps and every tail), with
// random additional-data lengths, sealing and opening in place.
func TestReviewRandomLengths(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 3))
	iters := 300
	if testing.Short() {
		iters = 50
	}
	nvxtest.ForEachImpl(t, aesgcm.Kernel, func(t *testing.T) {
		for _, keyLen := range []int{16, 32} {
			got, want := pair(t, randBytes(r, keyLen))
			for range iters {
				n, adn := r.IntN(20000), r.IntN(600)
				pt, ad, nonce := randBytes(r, n), randBytes(r, adn), randBytes(r, 12)
				w := want.Seal(nil, nonce, pt, ad)
				buf := make([]byte, n, n+16)
				copy(buf, pt)
				if s := got.Seal(buf[:0], nonce, buf, ad); !bytes.Equal(s, w) {
					t.Fatalf("key %d n=%d ad=%d: sealed differently", keyLen, n, adn)
				}
				if p, err := got.Open(buf[:0], nonce, buf[:n+16], ad); err != nil || !bytes.Equal(p, pt) {
					t.Fatalf("key %d n=%d ad=%d: open in place: %v", keyLen, n, adn, err)
				}
			}
		}
	})
}
