// Command xor-mask masks and unmasks a WebSocket payload with package xor
// alone (RFC 6455 §5.3), the kernel package that imports only the standard
// library and golang.org/x/sys.
package main

import (
	"fmt"

	"github.com/autobahn-go/autobahn/xor"
)

func main() {
	maskKey := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	src := []byte("Hello, WebSocket")
	dst := make([]byte, len(src))

	// Mask into another buffer.
	xor.MaskCopy(dst, src, maskKey, 0)
	fmt.Printf("masked:   %x\n", dst)

	payload, morePayload := dst[:5], dst[5:]
	// Unmask a client frame's payload in place. The returned key position
	// carries over when the payload arrives in several reads.
	pos := xor.Mask(payload, maskKey, 0)
	pos = xor.Mask(morePayload, maskKey, pos)
	fmt.Printf("unmasked: %s (key position %d)\n", dst, pos)
}
