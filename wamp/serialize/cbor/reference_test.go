package cbor_test

import (
	"bytes"
	"fmt"
	"testing"

	"math"

	fxcbor "github.com/fxamacker/cbor/v2"

	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
)

// refDecMode is the fxamacker/cbor configuration the serializer decoded
// with before it had its own decoder: the reference for FuzzDecode. One
// difference: maps decode to map[any]any here and keys must be text
// strings (stringKeys). With map[string]any, fxamacker turned a null or
// undefined key into "" (fuzzing found {undefined: -17}); Decode rejects
// every non-string key, as WAMP dicts have string keys.
var refDecMode = func() fxcbor.DecMode {
	dm, err := fxcbor.DecOptions{
		DupMapKey:        fxcbor.DupMapKeyEnforcedAPF,
		MaxNestedLevels:  256,
		MaxArrayElements: 1 << 20,
		MaxMapPairs:      1 << 20,
		TagsMd:           fxcbor.TagsForbidden,
		IntDec:           fxcbor.IntDecConvertNone, // see stringKeys
		UTF8:             fxcbor.UTF8RejectInvalid,
	}.DecMode()
	if err != nil {
		panic(err)
	}
	return dm
}()

func refDecode(b []byte) (any, error) {
	var v any
	if err := refDecMode.Unmarshal(b, &v); err != nil {
		return nil, err
	}
	v, ok := stringKeys(v)
	if !ok || !plain(v) {
		return nil, fmt.Errorf("not a WAMP value: %#v", v)
	}
	return v, nil
}

// stringKeys turns every map[any]any in v into a map[string]any, and
// unsigned integers that fit an int64 into int64 (Decode's types: int64,
// and uint64 only beyond it); ok is false when a key is not a text string.
func stringKeys(v any) (any, bool) {
	switch x := v.(type) {
	case uint64:
		if x <= math.MaxInt64 {
			return int64(x), true
		}
		return x, true
	case []any:
		for i, e := range x {
			var ok bool
			if x[i], ok = stringKeys(e); !ok {
				return nil, false
			}
		}
		return x, true
	case map[any]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			ks, ok := k.(string)
			if !ok {
				return nil, false
			}
			if m[ks], ok = stringKeys(e); !ok {
				return nil, false
			}
		}
		return m, true
	}
	return v, true
}

// plain reports whether v holds only the value types of package wamp;
// fxamacker/cbor also yields simple values.
func plain(v any) bool {
	switch x := v.(type) {
	case nil, bool, int64, uint64, float64, string, []byte:
		return true
	case []any:
		for _, e := range x {
			if !plain(e) {
				return false
			}
		}
		return true
	case map[string]any:
		for _, e := range x {
			if !plain(e) {
				return false
			}
		}
		return true
	}
	return false
}

func checkSame(t *testing.T, b []byte) {
	t.Helper()
	got, err := cbor.Decode(b)
	want, refErr := refDecode(b)
	if (err == nil) != (refErr == nil) {
		t.Fatalf("%x: Decode error %v, reference error %v", b, err, refErr)
	}
	// %#v shows the Go types too, prints maps sorted and NaN equal to NaN.
	if err == nil && fmt.Sprintf("%#v", got) != fmt.Sprintf("%#v", want) {
		t.Fatalf("%x: Decode %#v, reference %#v", b, got, want)
	}
}

// FuzzDecode checks that Decode accepts exactly what fxamacker/cbor with
// the serializer's former options accepts, with equal values.
func FuzzDecode(f *testing.F) {
	for _, in := range [][]byte{
		{0x83, 0x11, 0x01, 0x02},
		{0x86, 0x18, 0x30, 0x1a, 0, 1, 0xe2, 0x40, 0xa0, 0x63, 'a', '.', 'b', 0x83, 0x01, 0x61, 'x', 0xf5, 0xa2, 0x61, 'a', 0x20, 0x61, 'b', 0xfb, 0x40, 4, 0, 0, 0, 0, 0, 0},
		{0x82, 0x42, 1, 2, 0x1b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
		{0x9f, 0x5f, 0x41, 1, 0x40, 0xff, 0x7f, 0x61, 'a', 0xff, 0xbf, 0x61, 'k', 0xf7, 0xff, 0xff},
		{0x84, 0xf9, 0x3c, 0x00, 0xfa, 0x3f, 0x80, 0, 0, 0xf6, 0xf4},
		{0x83, 0xf8, 0x20, 0xe0, 0xc1, 0x01},
		{0xa2, 0x61, 'k', 0x01, 0x61, 'k', 0x02},
		{0xa1, 0x41, 'k', 0x01},
		{0x3b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
	} {
		f.Add(in)
	}
	f.Fuzz(checkSame)
}

// TestDecodeLimits compares the nesting and size limits with the
// reference at their edges, which fuzzing rarely reaches.
func TestDecodeLimits(t *testing.T) {
	for _, depth := range []int{255, 256, 257} {
		checkSame(t, append(bytes.Repeat([]byte{0x81}, depth-1), 0x80))
		checkSame(t, append(bytes.Repeat([]byte{0xa1, 0x61, 'k'}, depth-1), 0xa0)[0:])
		checkSame(t, append(bytes.Repeat([]byte{0x9f}, depth), bytes.Repeat([]byte{0xff}, depth)...))
	}
	for _, n := range []int{1 << 20, 1<<20 + 1} {
		checkSame(t, append([]byte{0x9f}, append(bytes.Repeat([]byte{0xf6}, n), 0xff)...))
		checkSame(t, append([]byte{0x9a, byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}, bytes.Repeat([]byte{0xf6}, n)...))
	}
}
