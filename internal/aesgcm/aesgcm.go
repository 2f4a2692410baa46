package aesgcm

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/fips140"

	"github.com/autobahn-go/autobahn/nvx"
)

// Kernel is this package's name in the nvx registry: implementations
// "generic" (the standard library) and "avx512" (VAES and VPCLMULQDQ on
// 512-bit vectors). AUTOBAHN_NVX=off or noavx512 switches the kernels off;
// nvx.Select forces either for the AEADs New makes from then on.
const Kernel = "aesgcm"

func init() {
	nvx.Register(Kernel, "generic", true)
	nvx.Register(Kernel, "avx512", fast)
	nvx.SetPlan(Kernel, func() nvx.Plan {
		if fast && !fips140.Enabled() && nvx.Allowed("avx512") {
			return nvx.Plan{Large: "avx512", Ranges: "avx512 for AES-128 and AES-256 at every length"}
		}
		return nvx.Plan{Large: "generic", Ranges: "the standard library's AES-GCM at every length"}
	})
}

// New returns AES-GCM with key (16, 24 or 32 bytes), 12-byte nonces and
// 16-byte tags. AES-128 and AES-256 use the 512-bit kernels when the CPU
// has them and nvx allows them.
func New(key []byte) (cipher.AEAD, error) {
	if Accelerated() && (len(key) == 16 || len(key) == 32) {
		return newVAES(key), nil
	}
	return Std(key)
}

// Std returns the standard library's AES-GCM: the generic twin.
func Std(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

// Accelerated reports whether New uses the 512-bit kernels: never in
// FIPS 140-3 mode (GODEBUG=fips140=on), which keeps to the standard
// library's validated module.
func Accelerated() bool {
	if !fast || fips140.Enabled() {
		return false
	}
	if s := nvx.Selected(Kernel); s != "" {
		return s == "avx512"
	}
	return nvx.Allowed("avx512")
}
