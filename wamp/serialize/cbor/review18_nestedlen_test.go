package cbor_test

import (
	"bytes"
	"errors"
	"runtime"
	"testing"

	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
)

// An array head's count is checked against the bytes left, one an
// element, but the slice for it was made before any element was read, 16
// bytes an element, and an array nested in it made its own: a message of
// nested heads that each claim as many elements as bytes remain (the
// last of them broken) made depth × length × 16 bytes before it was
// rejected, 50 MiB for these 17 KiB (4 GiB for 1 MiB at the 256 levels
// allowed). What is made ahead of the elements is bounded now.
func TestReview18NestedArrayHeadsBounded(t *testing.T) {
	const depth, claim = 200, 16 << 10
	var in []byte
	for range depth {
		in = append(in, 0x99, claim>>8, claim&0xff) // array, 2-byte count
	}
	in = append(in, 0x1c) // reserved: malformed
	in = append(in, bytes.Repeat([]byte{0xf6}, claim)...)
	alloc := allocated(func() {
		if _, err := cbor.Decode(in); !errors.Is(err, cbor.ErrMalformed) {
			t.Errorf("Decode: %v, want ErrMalformed", err)
		}
		if _, err := (cbor.Serializer{}).Unmarshal(in); err == nil {
			t.Error("Unmarshal took it")
		}
	})
	if limit := uint64(64 * len(in)); alloc > limit {
		t.Errorf("decoding %d bytes allocated %d bytes, want at most %d", len(in), alloc, limit)
	}
}

// allocated returns the bytes f allocates.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}
