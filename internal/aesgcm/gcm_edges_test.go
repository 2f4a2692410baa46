package aesgcm_test

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/autobahn-go/autobahn/internal/aesgcm"
	"github.com/autobahn-go/autobahn/internal/nvxtest"
)

// TestReviewUnalignedADLengths compares every implementation with the
// standard library for every plaintext length 0..640 and some large ones,
// at every misalignment of plaintext, output and additional data, with
// additional data lengths well past the small path's 16 bytes.
func TestReviewUnalignedADLengths(t *testing.T) {
	adLens := []int{0, 1, 15, 16, 17, 31, 32, 33, 255, 256, 257, 1000, 4097}
	nvxtest.ForEachImpl(t, aesgcm.Kernel, func(t *testing.T) {
		r := rand.New(rand.NewPCG(11, 12))
		for _, keyLen := range []int{16, 32} {
			got, want := pair(t, randBytes(r, keyLen))
			ns := []int{}
			for n := 0; n <= 640; n++ {
				ns = append(ns, n)
			}
			ns = append(ns, 1<<14, 1<<14+1, 1<<14+255, 1<<16+3, 1<<20+17)
			for i, n := range ns {
				off := i % 16
				adOff := (i / 3) % 16
				ad := randBytes(r, adLens[i%len(adLens)]+adOff)[adOff:]
				nonce := randBytes(r, 12)
				pt := randBytes(r, n+off)[off:]
				w := want.Seal(nil, nonce, pt, ad)
				dst := make([]byte, (off+7)%16, (off+7)%16+n+16)
				s := got.Seal(dst, nonce, pt, ad)
				if !bytes.Equal(s[len(dst):], w) {
					t.Fatalf("key %d n=%d ad=%d off=%d: sealed differently", keyLen, n, len(ad), off)
				}
				// In place at an odd offset.
				buf := make([]byte, off+n+16)
				copy(buf[off:], w)
				ct := buf[off:]
				p, err := got.Open(ct[:0], nonce, ct, ad)
				if err != nil || !bytes.Equal(p, pt) {
					t.Fatalf("key %d n=%d ad=%d off=%d: open in place: %v", keyLen, n, len(ad), off, err)
				}
				// Seal in place.
				copy(buf[off:], pt)
				s = got.Seal(buf[off:off], nonce, buf[off:off+n], ad)
				if !bytes.Equal(s, w) {
					t.Fatalf("key %d n=%d ad=%d off=%d: in-place seal differs", keyLen, n, len(ad), off)
				}
			}
		}
	})
}

// TestReviewMismatchReleasesNothing: on a bad tag, Open returns nil and
// an error and leaves no plaintext in dst's spare capacity.
func TestReviewMismatchReleasesNothing(t *testing.T) {
	nvxtest.ForEachImpl(t, aesgcm.Kernel, func(t *testing.T) {
		r := rand.New(rand.NewPCG(13, 14))
		got, want := pair(t, randBytes(r, 16))
		for _, n := range []int{1, 16, 100, 240, 241, 255, 256, 1000, 16384} {
			for _, adn := range []int{0, 13, 16, 17, 100} {
				nonce, ad, pt := randBytes(r, 12), randBytes(r, adn), randBytes(r, n)
				ct := want.Seal(nil, nonce, pt, ad)
				ct[len(ct)-1] ^= 1
				dst := make([]byte, 3, 3+n)
				p, err := got.Open(dst, nonce, ct, ad)
				if err == nil || p != nil {
					t.Fatalf("n=%d ad=%d: bad tag accepted", n, adn)
				}
				if bytes.Contains(dst[:3+n], pt[:min(n, 8)]) && n >= 8 {
					t.Fatalf("n=%d ad=%d: plaintext left in dst", n, adn)
				}
				ct2 := bytes.Clone(ct)
				if p, err := got.Open(ct2[:0], nonce, ct2, ad); err == nil || p != nil {
					t.Fatalf("n=%d: in place bad tag accepted", n)
				}
				if n >= 8 && bytes.Contains(ct2, pt[:8]) {
					t.Fatalf("n=%d ad=%d: plaintext released in place", n, adn)
				}
			}
		}
	})
}

// TestReviewGuardLargeAD puts large additional data and plaintext flush
// against guard pages on both sides.
func TestReviewGuardLargeAD(t *testing.T) {
	const size = 5000
	after, before := nvxtest.Guarded(t, size)
	r := rand.New(rand.NewPCG(15, 16))
	nvxtest.ForEachImpl(t, aesgcm.Kernel, func(t *testing.T) {
		got, want := pair(t, randBytes(r, 16))
		nonce := randBytes(r, 12)
		for _, n := range []int{0, 1, 15, 17, 240, 241, 511, 513, 4097} {
			for _, adn := range []int{1, 17, 255, 513, 4097} {
				pt, ad := randBytes(r, n), randBytes(r, adn)
				w := want.Seal(nil, nonce, pt, ad)
				adg := after[:adn] // starts right after a guard
				copy(adg, ad)
				src := before[size-n:]
				copy(src, pt)
				if s := got.Seal(nil, nonce, src, adg); !bytes.Equal(s, w) {
					t.Fatalf("n=%d ad=%d: sealed differently", n, adn)
				}
				adg = before[size-adn:] // ends right before a guard
				copy(adg, ad)
				ct := after[:len(w)]
				copy(ct, w)
				if p, err := got.Open(nil, nonce, ct, adg); err != nil || !bytes.Equal(p, pt) {
					t.Fatalf("n=%d ad=%d: open: %v", n, adn, err)
				}
			}
		}
	})
}
