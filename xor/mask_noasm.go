//go:build purego || !(amd64 || arm64)

package xor

import "github.com/autobahn-go/autobahn/nvx"

func init() {
	nvx.Register(Kernel, "generic", true)
}

func mask(dst, src []byte, key [4]byte, pos int) { maskGeneric(dst, src, keyAt(key, pos)) }
