package flatbuffers_test

import (
	"bytes"
	"runtime"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/flatbuffers"
)

// The CBOR reader of args made a list's slice from its head's count
// (checked against the bytes left) before any element was read, 16
// bytes an element, and a list nested in it made its own: args of nested
// lists whose heads each claim as many elements as bytes remain made
// depth × length × 16 bytes before they were rejected (290 MiB for this
// 60 KiB EVENT, gigabytes for a megabyte). What is made ahead of the
// elements is bounded now.
func TestReview18NestedArgsHeadsBounded(t *testing.T) {
	const depth, width = 200, 300 // 300 elements: a head of 3 bytes, 0x99 and a 2-byte count
	inner := wamp.List{}
	for range depth {
		l := make(wamp.List, width)
		l[0] = inner
		inner = l
	}
	var s flatbuffers.Serializer
	in, err := s.AppendMessage(nil, &wamp.Event{Subscription: 1, Publication: 2, Details: wamp.Dict{}, Args: inner})
	if err != nil {
		t.Fatal(err)
	}
	// Each head claims every byte after it (at most 0xffff) as elements,
	// and the innermost list, empty (0x80), becomes a reserved code.
	heads, i := 0, 0
	for ; ; heads++ {
		j := bytes.Index(in[i:], []byte{0x99, width >> 8, width & 0xff})
		if j < 0 {
			break
		}
		i += j
		claim := min(len(in)-i-3, 0xffff)
		in[i+1], in[i+2] = byte(claim>>8), byte(claim)
		i += 3
	}
	if heads != depth || in[i] != 0x80 {
		t.Fatalf("found %d list heads in %d bytes, then %#x; want %d, then 0x80", heads, len(in), in[i], depth)
	}
	in[i] = 0x1c
	alloc := allocated(func() {
		if m, err := s.Unmarshal(in); err == nil {
			t.Errorf("Unmarshal took it: %v", m.Type())
		}
		if m, err := flatbuffers.UnmarshalGeneral(in); err == nil {
			t.Errorf("UnmarshalGeneral took it: %v", m.Type())
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
