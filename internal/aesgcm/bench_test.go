package aesgcm_test

import (
	"crypto/cipher"
	"fmt"
	"testing"

	"github.com/autobahn-go/autobahn/internal/aesgcm"
	"github.com/autobahn-go/autobahn/nvx"
)

// BenchmarkSeal and BenchmarkOpen compare the kernels the CPU has
// (impl=avx2, impl=avx512) with the standard library (impl=std) at the
// record sizes TLS sends: benchstat -col /impl.
func BenchmarkSeal(b *testing.B) { benchAEAD(b, false) }
func BenchmarkOpen(b *testing.B) { benchAEAD(b, true) }

type impl struct {
	name string
	new  func([]byte) (cipher.AEAD, error)
}

// impls: the standard library, then each width of kernels the CPU has.
func impls() []impl {
	list := []impl{{"std", aesgcm.Std}}
	for _, im := range nvx.Impls(aesgcm.Kernel) {
		if im.Name == "generic" || !im.Available {
			continue
		}
		list = append(list, impl{im.Name, func(key []byte) (cipher.AEAD, error) {
			if err := nvx.Select(aesgcm.Kernel, im.Name); err != nil {
				return nil, err
			}
			defer nvx.Reset(aesgcm.Kernel)
			return aesgcm.New(key)
		}})
	}
	return list
}

func benchAEAD(b *testing.B, open bool) {
	for _, keyLen := range []int{16, 32} {
		for _, n := range []int{32, 1024, 4101, 16385} {
			key := make([]byte, keyLen)
			for _, im := range impls() {
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

// BenchmarkEcho1000 is a server's TLS work per 32-byte WebSocket echo
// with 1000 connections: open a 35-byte record with the connection's
// client key, seal the answer with its server key, each connection in
// turn (two AEADs each, so the key material is not all in L1): benchstat
// -col /impl.
func BenchmarkEcho1000(b *testing.B) {
	for _, im := range impls() {
		b.Run("impl="+im.name, func(b *testing.B) {
			const conns = 1000
			in, out := make([]cipher.AEAD, conns), make([]cipher.AEAD, conns)
			recs := make([][]byte, conns)
			nonce, ad := make([]byte, 12), make([]byte, 5)
			for i := range in {
				k := make([]byte, 16)
				k[0], k[1] = byte(i), byte(i>>8)
				in[i], _ = im.new(k)
				k[2] = 1
				out[i], _ = im.new(k)
				recs[i] = in[i].Seal(nil, nonce, make([]byte, 35), ad)
			}
			rec := make([]byte, 35+16)
			buf := make([]byte, 0, 64)
			i := 0
			for b.Loop() {
				c := i % conns
				copy(rec, recs[c])
				p, err := in[c].Open(rec[:0], nonce, rec, ad)
				if err != nil {
					b.Fatal(err)
				}
				buf = out[c].Seal(buf[:0], nonce, p, ad)
				i++
			}
		})
	}
}
