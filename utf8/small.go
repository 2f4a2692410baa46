//go:build !purego && (amd64 || arm64)

package utf8

// smallASCII is the length up to which the dispatch tries isASCIISmall
// before a kernel that would first load its constants.
const smallASCII = 32

// isASCIISmall reports whether p, at most 32 bytes long, is all ASCII. From
// 8 bytes on it ORs four words that overlap to cover p: at 0, 8, n-16, n-8
// (the middle two clamped into p).
func isASCIISmall(p []byte) bool {
	n := len(p)
	if n < 8 {
		return isASCIITiny(p)
	}
	return (load64(p)|load64(p[min(8, n-8):])|load64(p[max(n-16, 0):])|load64(p[n-8:]))&hiBits == 0
}

// isASCIITiny reports whether p, shorter than 8 bytes, is all ASCII.
func isASCIITiny(p []byte) bool {
	var w byte
	for _, b := range p {
		w |= b
	}
	return w < 0x80
}
