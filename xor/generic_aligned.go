//go:build !(amd64 || arm64 || 386 || ppc64le || loong64)

package xor

// maskGeneric is the portable kernel where unaligned or little-endian
// loads cannot be assumed.
func maskGeneric(dst, src []byte, key uint32) { maskGenericSafe(dst, src, key) }
