package ubjson_test

import (
	"bytes"
	"errors"
	"runtime"
	"testing"

	"github.com/autobahn-go/autobahn/wamp/serialize/ubjson"
)

// A counted list's count is checked against the bytes left, one an
// element, but the slice for it was made before any element was read, 16
// bytes an element, and a list nested in it made its own: a message of
// nested lists that each claim as many elements as bytes remain (the last
// of them broken) made depth × length × 16 bytes before it was rejected,
// 50 MiB for these 17 KiB (1 GiB for 70 KiB at the 1000 levels allowed).
// What is made ahead of the elements is bounded now.
func TestReview18NestedCountsBounded(t *testing.T) {
	const depth, claim = 200, 16 << 10
	var in []byte
	for range depth {
		in = append(in, '[', '#', 'I', claim>>8, claim&0xff) // int16 count
	}
	in = append(in, 'X') // no such marker: malformed
	in = append(in, bytes.Repeat([]byte{'Z'}, claim)...)
	alloc := allocated(func() {
		if _, err := ubjson.Decode(in); !errors.Is(err, ubjson.ErrMalformed) {
			t.Errorf("Decode: %v, want ErrMalformed", err)
		}
		if _, err := (ubjson.Serializer{}).Unmarshal(in); err == nil {
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
