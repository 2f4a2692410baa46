//go:build amd64 && !purego

package aesgcm

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"testing"

	"golang.org/x/sys/cpu"
)

// The key schedule runs on AESKEYGENASSIST (constant time); these tests
// hold its round keys against FIPS 197's and an AEAD built on them
// against the standard library's. A timing side channel itself is not
// something a functional test can see.

// refSbox is AES's S-box from its definition (FIPS 197, 5.1.1): the
// inverse in GF(2^8) modulo x^8+x^4+x^3+x+1, then the affine map.
var refSbox = func() (s [256]byte) {
	var exp, log [256]byte
	x := byte(1)
	for i := 0; i < 255; i++ {
		exp[i], log[x] = x, byte(i)
		x ^= refXtime(x) // x·3
	}
	rotl := func(b byte, n uint) byte { return b<<n | b>>(8-n) }
	for a := 0; a < 256; a++ {
		var inv byte
		if a != 0 {
			inv = exp[(255-int(log[a]))%255]
		}
		s[a] = inv ^ rotl(inv, 1) ^ rotl(inv, 2) ^ rotl(inv, 3) ^ rotl(inv, 4) ^ 0x63
	}
	return s
}()

func refXtime(x byte) byte {
	if x&0x80 != 0 {
		return x<<1 ^ 0x1b
	}
	return x << 1
}

// refExpandKey is FIPS 197's KeyExpansion (5.2), word by word.
func refExpandKey(key []byte) (rk [15][16]byte, rounds int) {
	subWord := func(w uint32) uint32 {
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], w)
		for i := range b {
			b[i] = refSbox[b[i]]
		}
		return binary.BigEndian.Uint32(b[:])
	}
	nk := len(key) / 4
	rounds = nk + 6
	var w [60]uint32
	for i := 0; i < nk; i++ {
		w[i] = binary.BigEndian.Uint32(key[4*i:])
	}
	rcon := uint32(1)
	for i := nk; i < 4*(rounds+1); i++ {
		t := w[i-1]
		switch {
		case i%nk == 0:
			t = subWord(t<<8|t>>24) ^ rcon<<24
			rcon = uint32(refXtime(byte(rcon)))
		case nk > 6 && i%nk == 4:
			t = subWord(t)
		}
		w[i] = w[i-nk] ^ t
	}
	for i := 0; i < 4*(rounds+1); i++ {
		binary.BigEndian.PutUint32(rk[i/4][4*(i%4):], w[i])
	}
	return rk, rounds
}

func needAESNI(t *testing.T) {
	t.Helper()
	if !cpu.X86.HasAES || !cpu.X86.HasAVX {
		t.Skip("no AES-NI with AVX on this CPU")
	}
}

// TestExpandKeyFIPS197 checks the last round key of FIPS 197's examples
// (appendix A.1 and A.3) and the reference against them.
func TestExpandKeyFIPS197(t *testing.T) {
	needAESNI(t)
	for _, tc := range []struct{ key, last string }{
		{"2b7e151628aed2a6abf7158809cf4f3c", "d014f9a8c9ee2589e13f0cc8b6630ca6"},
		{"603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4", "fe4890d1e6188d0b046df344706c631e"},
	} {
		key, _ := hex.DecodeString(tc.key)
		var rk [15][16]byte
		rounds := expandKey(key, &rk)
		if got := hex.EncodeToString(rk[rounds][:]); got != tc.last {
			t.Errorf("%d-byte key: last round key %s, want %s", len(key), got, tc.last)
		}
		if ref, _ := refExpandKey(key); hex.EncodeToString(ref[rounds][:]) != tc.last {
			t.Errorf("%d-byte key: the reference is wrong", len(key))
		}
	}
}

// TestExpandKeyRandom compares every round key with the reference for
// random keys of both sizes.
func TestExpandKeyRandom(t *testing.T) {
	needAESNI(t)
	r := rand.New(rand.NewPCG(16, 2))
	n := 3000
	if testing.Short() {
		n = 300
	}
	for _, size := range []int{16, 32} {
		key := make([]byte, size)
		for i := 0; i < n; i++ {
			for j := range key {
				switch i {
				case 0:
					key[j] = 0
				case 1:
					key[j] = 0xff
				default:
					key[j] = byte(r.Uint32())
				}
			}
			var rk [15][16]byte
			for j := range rk {
				rk[j][0] = 0xa5 // the kernels write every round key
			}
			rounds := expandKey(key, &rk)
			want, wantRounds := refExpandKey(key)
			if rounds != wantRounds {
				t.Fatalf("%x: %d rounds, want %d", key, rounds, wantRounds)
			}
			for j := 0; j <= rounds; j++ {
				if rk[j] != want[j] {
					t.Fatalf("%x: round key %d = %x, want %x", key, j, rk[j], want[j])
				}
			}
		}
	}
}

// TestExpandKeySeal seals with the kernels of each width the CPU has under
// random keys of both sizes and compares with the standard library's
// AES-GCM (crypto/aes keeps its round keys to itself).
func TestExpandKeySeal(t *testing.T) {
	r := rand.New(rand.NewPCG(16, 3))
	n := 500
	if testing.Short() {
		n = 50
	}
	ran := false
	for _, w := range []struct {
		name string
		ok   bool
		ymm  bool
	}{{"avx512", fast, false}, {"avx2", fast256, true}} {
		if !w.ok {
			continue
		}
		ran = true
		for _, size := range []int{16, 32} {
			key := make([]byte, size)
			nonce := make([]byte, nonceSize)
			for i := 0; i < n; i++ {
				fill := func(b []byte) {
					for j := range b {
						b[j] = byte(r.Uint32())
					}
				}
				fill(key)
				fill(nonce)
				pt := make([]byte, r.IntN(300))
				ad := make([]byte, r.IntN(40))
				fill(pt)
				fill(ad)
				b, err := aes.NewCipher(key)
				if err != nil {
					t.Fatal(err)
				}
				std, err := cipher.NewGCM(b)
				if err != nil {
					t.Fatal(err)
				}
				want := std.Seal(nil, nonce, pt, ad)
				g := newVAES(key, w.ymm)
				if got := g.Seal(nil, nonce, pt, ad); !bytes.Equal(got, want) {
					t.Fatalf("%s, key %x: Seal differs from crypto/cipher", w.name, key)
				}
				if got, err := g.Open(nil, nonce, want, ad); err != nil || !bytes.Equal(got, pt) {
					t.Fatalf("%s, key %x: Open of crypto/cipher's record: %v", w.name, key, err)
				}
			}
		}
	}
	if !ran {
		t.Skip("no VAES kernels on this CPU")
	}
}
