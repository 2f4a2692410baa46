package msgpack

import (
	"errors"
	"runtime"
	"testing"
)

// bytesAllocated returns the heap bytes f allocates.
func bytesAllocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// A map header's pair count is checked only against the bytes left, and
// the decoder sized the map for all of it before reading a key: 2 MiB of
// garbage behind a map32 header asked for some 80 MiB (640 MiB for the
// 16 MiB a WebSocket message may have). Whatever the input says, the
// decoder should allocate in proportion to what it actually decodes.
func TestReview14bMapCountDoesNotPresize(t *testing.T) {
	in := make([]byte, 2<<20)
	in[0] = 0xdf                                     // map32
	in[1], in[2], in[3], in[4] = 0, 0x0f, 0xff, 0xf0 // ~1 Mi pairs: fits 2 bytes a pair
	in[5], in[6] = 0xa1, 'k'                         // one key, then a value, then garbage
	var err error
	n := bytesAllocated(func() { _, err = Decode(in) })
	if !errors.Is(err, ErrMalformed) {
		t.Fatalf("Decode = %v, want ErrMalformed", err)
	}
	if n > uint64(len(in)) {
		t.Fatalf("decoding %d bytes that hold one pair allocated %d bytes", len(in), n)
	}
	// The same inside a message, as Unmarshal reads it.
	msg := append([]byte{0x93, 0x30, 0x01}, in...) // [CALL, 1, {…}]
	n = bytesAllocated(func() { _, err = Serializer{}.Unmarshal(msg) })
	if err == nil || n > uint64(len(msg)) {
		t.Fatalf("Unmarshal: %v, allocated %d bytes for %d", err, n, len(msg))
	}
}
