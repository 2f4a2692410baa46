package cbor_test

import (
	"errors"
	"runtime"
	"testing"

	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
)

// bytesAllocated returns the heap bytes f allocates.
func bytesAllocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// A map head's pair count is checked against the bytes left (and 2^20),
// and the decoder sized the map for all of it before reading a key: 2 MiB
// of garbage behind a map head asked for some 80 MiB. Whatever the input
// says, the decoder should allocate in proportion to what it decodes.
func TestReview14bMapCountDoesNotPresize(t *testing.T) {
	dict := make([]byte, 2<<20)
	dict[0] = 0xba                                           // map, 4-byte count
	dict[1], dict[2], dict[3], dict[4] = 0, 0x0f, 0xff, 0xf0 // ~1 Mi pairs
	dict[5], dict[6] = 0x61, 'k'                             // one key, a value (0), then garbage
	dict[8] = 0xff                                           // a stray break: malformed
	var err error
	n := bytesAllocated(func() { _, err = cbor.Decode(dict) })
	if !errors.Is(err, cbor.ErrMalformed) {
		t.Fatalf("Decode = %v, want ErrMalformed", err)
	}
	if n > uint64(len(dict)) {
		t.Fatalf("decoding %d bytes that hold one pair allocated %d bytes", len(dict), n)
	}
	for _, msg := range [][]byte{
		append([]byte{0x83, 0x18, 0x30, 0x01}, dict...),                        // [CALL, 1, {…}]: the general path
		append([]byte{0x86, 0x18, 0x30, 0x01, 0xa0, 0x61, 'a', 0x80}, dict...), // [CALL, 1, {}, "a", [], {…}]: the hot path's ArgumentsKw
	} {
		n = bytesAllocated(func() { _, err = cbor.Serializer{}.Unmarshal(msg) })
		if err == nil || n > uint64(len(msg)) {
			t.Fatalf("Unmarshal(%x…): %v, allocated %d bytes for %d", msg[:8], err, n, len(msg))
		}
	}
}
