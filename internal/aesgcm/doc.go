// Package aesgcm is AES-GCM (AES-128 and AES-256, 12-byte nonces, 16-byte
// tags) as a cipher.AEAD, with kernels for amd64 CPUs that have VAES and
// VPCLMULQDQ: on 512-bit vectors where AVX-512 is there too (Intel Ice
// Lake and later servers, AMD Zen 4 and later), on 256-bit vectors where
// it is not (AMD Zen 3, Intel Alder Lake and later client cores). Both
// encrypt and hash 16 blocks per step, where the standard library's
// assembly takes 8 blocks of 128 bits; everywhere else, for AES-192 keys,
// and with the purego build tag, New returns the standard library's
// AES-GCM (the generic twin the tests compare against).
//
// It exists for the TLS 1.3 record layer (internal/tlsrec), whose
// per-record work is mostly this cipher. The kernels are constant time:
// no branch and no memory address depends on the key or the data. So is
// the key schedule, which takes the S-box from AESKEYGENASSIST.
package aesgcm
