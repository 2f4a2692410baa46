//go:build purego || !(amd64 || arm64)

package xor

import "github.com/autobahn-go/autobahn/nvx"

func init() {
	nvx.Register(Kernel, "generic", true)
	nvx.SetPlan(Kernel, func() nvx.Plan {
		return nvx.Plan{Large: "generic", Ranges: "generic <8 B, inline words 8-16 B, generic >16 B"}
	})
}

func mask(dst, src []byte, key [4]byte, pos int) {
	if n := len(src); n >= 8 && n <= 16 {
		maskWords(dst, src, keyAt(key, pos))
		return
	}
	maskGeneric(dst, src, keyAt(key, pos))
}
