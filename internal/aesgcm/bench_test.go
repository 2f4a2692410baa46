package aesgcm_test

import (
	"crypto/cipher"
	"fmt"
	"testing"

	"github.com/autobahn-go/autobahn/internal/aesgcm"
)

// BenchmarkSeal and BenchmarkOpen compare the kernels (impl=avx512 when
// the CPU has them) with the standard library (impl=std) at the record
// sizes TLS sends: benchstat -col /impl.
func BenchmarkSeal(b *testing.B) { benchAEAD(b, false) }
func BenchmarkOpen(b *testing.B) { benchAEAD(b, true) }

func benchAEAD(b *testing.B, open bool) {
	for _, keyLen := range []int{16, 32} {
		for _, n := range []int{32, 1024, 4101, 16385} {
			key := make([]byte, keyLen)
			impls := []struct {
				name string
				new  func([]byte) (cipher.AEAD, error)
			}{{"std", aesgcm.Std}}
			if aesgcm.Accelerated() {
				impls = append(impls, struct {
					name string
					new  func([]byte) (cipher.AEAD, error)
				}{"avx512", aesgcm.New})
			}
			for _, im := range impls {
				b.Run(fmt.Sprintf("key=%d/size=%d/impl=%s", keyLen*8, n, im.name), func(b *testing.B) {
					a, err := im.new(key)
					if err != nil {
						b.Fatal(err)
					}
					nonce, ad := make([]byte, 12), make([]byte, 5)
					buf := make([]byte, n+16)
					ct := a.Seal(nil, nonce, buf[:n], ad)
					b.SetBytes(int64(n))
					for b.Loop() {
						if open {
							copy(buf, ct)
							if _, err := a.Open(buf[:0], nonce, buf[:n+16], ad); err != nil {
								b.Fatal(err)
							}
						} else {
							a.Seal(buf[:0], nonce, buf[:n], ad)
						}
					}
				})
			}
		}
	}
}
