package aesgcm

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/fips140"

	"github.com/autobahn-go/autobahn/nvx"
)

// Kernel is this package's name in the nvx registry: implementations
// "generic" (the standard library), "avx2" (VAES and VPCLMULQDQ on 256-bit
// vectors) and "avx512" (the same on 512-bit vectors). AUTOBAHN_NVX=off
// switches the kernels off, noavx512 and noavx2 each one width; nvx.Select
// forces one for the AEADs New makes from then on.
const Kernel = "aesgcm"

func init() {
	nvx.Register(Kernel, "generic", true)
	nvx.Register(Kernel, "avx2", fast256)
	nvx.Register(Kernel, "avx512", fast)
	nvx.SetPlan(Kernel, func() nvx.Plan {
		if a := auto(); a != "generic" {
			return nvx.Plan{Large: a, Ranges: a + " for AES-128 and AES-256 at every length"}
		}
		return nvx.Plan{Large: "generic", Ranges: "the standard library's AES-GCM at every length"}
	})
}

// auto is the automatic choice: the widest kernels the CPU has and nvx
// allows, never in FIPS 140-3 mode.
func auto() string {
	switch {
	case fips140.Enabled():
	case fast && nvx.Allowed("avx512"):
		return "avx512"
	case fast256 && nvx.Allowed("avx2"):
		return "avx2"
	}
	return "generic"
}

// impl is the implementation New uses: the forced one or the automatic.
func impl() string {
	if fips140.Enabled() {
		return "generic"
	}
	if s := nvx.Selected(Kernel); s != "" {
		return s
	}
	return auto()
}

// New returns AES-GCM with key (16, 24 or 32 bytes), 12-byte nonces and
// 16-byte tags. AES-128 and AES-256 use the 512-bit or 256-bit kernels
// when the CPU has them and nvx allows them; AES-192 always uses the
// standard library.
func New(key []byte) (cipher.AEAD, error) {
	if i := impl(); i != "generic" && (len(key) == 16 || len(key) == 32) {
		return newVAES(key, i == "avx2"), nil
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

// Accelerated reports whether New uses the kernels for AES-128 and AES-256
// keys; AES-192 keys (24 bytes) always get the standard library's AES-GCM,
// whatever it reports. It is false in FIPS 140-3 mode
// (GODEBUG=fips140=on), which keeps to the standard library's validated
// module.
func Accelerated() bool { return impl() != "generic" }
