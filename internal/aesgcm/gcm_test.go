package aesgcm_test

import (
	"bytes"
	"crypto/cipher"
	"math/rand/v2"
	"testing"

	"github.com/autobahn-go/autobahn/internal/aesgcm"
	"github.com/autobahn-go/autobahn/internal/nvxtest"
	"github.com/autobahn-go/autobahn/nvx"
)

func pair(t testing.TB, key []byte) (got, want cipher.AEAD) {
	t.Helper()
	got, err := aesgcm.New(key)
	if err != nil {
		t.Fatal(err)
	}
	want, err = aesgcm.Std(key)
	if err != nil {
		t.Fatal(err)
	}
	return got, want
}

func randBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// lengths: every length to 1100 bytes (under -short, as under emulated
// CPUs, every length to 300 and then one in 7), then around the sizes TLS
// uses.
func lengths() []int {
	var ns []int
	for n := 0; n <= 1100; n++ {
		if testing.Short() && n > 300 && n%7 != 0 {
			continue
		}
		ns = append(ns, n)
	}
	return append(ns, 4095, 4096, 4097, 4101, 16383, 16384, 16385, 16401, 65536+7)
}

// TestMatchesStd seals and opens every length with AES-128 and AES-256,
// several additional-data lengths, and compares every byte with the
// standard library's AES-GCM; each implementation opens what the other
// sealed, and a flipped bit anywhere is refused.
func TestMatchesStd(t *testing.T) {
	nvxtest.ForEachImpl(t, aesgcm.Kernel, func(t *testing.T) {
		r := rand.New(rand.NewPCG(1, 2))
		for _, keyLen := range []int{16, 24, 32} {
			got, want := pair(t, randBytes(r, keyLen))
			for _, n := range lengths() {
				nonce := randBytes(r, 12)
				ad := randBytes(r, []int{0, 5, 13, 16, 17, 64, 300}[n%7])
				pt := randBytes(r, n)
				ct := got.Seal(nil, nonce, pt, ad)
				if w := want.Seal(nil, nonce, pt, ad); !bytes.Equal(ct, w) {
					t.Fatalf("key %d, n=%d, ad %d: sealed differently", keyLen, n, len(ad))
				}
				for _, a := range []cipher.AEAD{got, want} {
					p, err := a.Open(nil, nonce, ct, ad)
					if err != nil || !bytes.Equal(p, pt) {
						t.Fatalf("key %d, n=%d: open: %v", keyLen, n, err)
					}
				}
				i := r.IntN(len(ct))
				ct[i] ^= 1 << r.IntN(8)
				if _, err := got.Open(nil, nonce, ct, ad); err == nil {
					t.Fatalf("key %d, n=%d: a flipped bit at %d of %d was accepted", keyLen, n, i, len(ct))
				}
				ct[i] ^= 1 << r.IntN(8) // maybe restored
				if len(ad) > 0 {
					ad2 := bytes.Clone(ad)
					ad2[r.IntN(len(ad2))] ^= 0x80
					if _, err := got.Open(nil, nonce, want.Seal(nil, nonce, pt, ad), ad2); err == nil {
						t.Fatalf("n=%d: altered additional data was accepted", n)
					}
				}
			}
		}
	})
}

// TestInPlace seals and opens in place and appending to a prefix, as the
// record layer does.
func TestInPlace(t *testing.T) {
	nvxtest.ForEachImpl(t, aesgcm.Kernel, func(t *testing.T) {
		r := rand.New(rand.NewPCG(3, 4))
		got, want := pair(t, randBytes(r, 16))
		nonce, ad := randBytes(r, 12), randBytes(r, 5)
		for _, n := range []int{0, 1, 31, 32, 300, 4101} {
			pt := randBytes(r, n)
			w := want.Seal([]byte("head"), nonce, pt, ad)
			buf := make([]byte, 4+n, 4+n+16)
			copy(buf, "head")
			copy(buf[4:], pt)
			if s := got.Seal(buf[:4], nonce, buf[4:], ad); !bytes.Equal(s, w) || &s[0] != &buf[0] {
				t.Fatalf("n=%d: in-place seal differs or moved", n)
			}
			ct := buf[4 : 4+n+16]
			p, err := got.Open(ct[:0], nonce, ct, ad)
			if err != nil || !bytes.Equal(p, pt) {
				t.Fatalf("n=%d: in-place open: %v", n, err)
			}
		}
	})
}

// TestOverlapPanics: like the standard library, an output that overlaps
// the input at another offset panics.
func TestOverlapPanics(t *testing.T) {
	nvxtest.ForEachImpl(t, aesgcm.Kernel, func(t *testing.T) {
		a, _ := pair(t, make([]byte, 16))
		buf := make([]byte, 100)
		defer func() {
			if recover() == nil {
				t.Fatal("no panic")
			}
		}()
		a.Seal(buf[1:1], make([]byte, 12), buf[:50], nil)
	})
}

// TestShortCiphertext: shorter than a tag is an error, not a panic.
func TestShortCiphertext(t *testing.T) {
	nvxtest.ForEachImpl(t, aesgcm.Kernel, func(t *testing.T) {
		a, _ := pair(t, make([]byte, 32))
		for n := 0; n < 16; n++ {
			if _, err := a.Open(nil, make([]byte, 12), make([]byte, n), nil); err == nil {
				t.Fatalf("%d bytes opened", n)
			}
		}
	})
}

// TestGuardPages puts plaintext, ciphertext and additional data flush
// against PROT_NONE pages: a kernel that touches a byte outside crashes.
func TestGuardPages(t *testing.T) {
	const size = 2048
	after, before := nvxtest.Guarded(t, size+16)
	r := rand.New(rand.NewPCG(5, 6))
	nvxtest.ForEachImpl(t, aesgcm.Kernel, func(t *testing.T) {
		got, want := pair(t, randBytes(r, 32))
		nonce := randBytes(r, 12)
		for n := 0; n <= size; n++ {
			if n > 300 && n%37 != 0 && n != size {
				continue
			}
			pt := randBytes(r, n)
			ad := randBytes(r, n%40)
			w := want.Seal(nil, nonce, pt, ad)
			// Plaintext ends at a guard page, the sealed record starts after one.
			src := before[size+16-n:]
			copy(src, pt)
			adg := after[size+16-len(ad):]
			copy(adg, ad)
			dst := after[:0]
			if n+16+len(ad) > size+16 {
				dst = make([]byte, 0, n+16)
			}
			if s := got.Seal(dst, nonce, src, adg); !bytes.Equal(s, w) {
				t.Fatalf("n=%d: sealed differently next to a guard page", n)
			}
			// The sealed record ends at a guard page; open it in place.
			ct := before[size+16-len(w):]
			copy(ct, w)
			if p, err := got.Open(ct[:0], nonce, ct, ad); err != nil || !bytes.Equal(p, pt) {
				t.Fatalf("n=%d: open next to a guard page: %v", n, err)
			}
		}
	})
}

func TestDispatch(t *testing.T) {
	nvxtest.CheckRequired(t, aesgcm.Kernel)
	if want := nvx.Best(aesgcm.Kernel) != "generic"; aesgcm.Accelerated() != want {
		t.Fatalf("Accelerated() = %v, nvx's choice is %s", !want, nvx.Best(aesgcm.Kernel))
	}
}
