package flatbuffers

import (
	"fmt"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
)

// checkArgsMatchCBOR: decodeCBOR accepts exactly what cbor.Decode accepts,
// with equal values, though its short strings share a slab.
func checkArgsMatchCBOR(t *testing.T, b []byte) {
	st := valueSlab{size: min(len(b), slabSize)}
	got, err := decodeCBOR(b, &st)
	want, refErr := cbor.Decode(b)
	if (err == nil) != (refErr == nil) {
		t.Fatalf("%x: decodeCBOR error %v, cbor.Decode error %v", b, err, refErr)
	}
	// %#v shows the Go types too, prints maps sorted and NaN equal to NaN.
	if err == nil && fmt.Sprintf("%#v", got) != fmt.Sprintf("%#v", want) {
		t.Fatalf("%x: decodeCBOR %#v, cbor.Decode %#v", b, got, want)
	}
}

// FuzzArgsMatchCBOR is the differential test of the args decoder against
// package cbor's.
func FuzzArgsMatchCBOR(f *testing.F) {
	for _, v := range []any{
		wamp.List{int64(1), "hello", true, 2.5, nil, []byte{0, 1}, int64(-300), int64(1 << 40)},
		wamp.Dict{"a": int64(1), "long key for the slab": wamp.List{"x", "yy", 1.5}, "n": wamp.Dict{}},
		wamp.List{"a string longer than a quarter of the slab, so it gets its own allocation......"},
	} {
		b, err := cbor.AppendValue(nil, v)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, b := range [][]byte{
		{0x9f, 0x01, 0xff}, // indefinite list
		{0x82, 0xf9, 0x3c, 0x00, 0xfa, 0x3f, 0x80, 0, 0}, // half and single floats
		{0xa2, 0x61, 'k', 0x01, 0x61, 'k', 0x02},         // duplicate key
		{0x83, 0xf8, 0x20, 0xe0, 0xc1},                   // simple values, a tag
		{0x3b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
	} {
		f.Add(b)
	}
	f.Fuzz(checkArgsMatchCBOR)
}

// TestSlabOverflow decodes more short strings than the slab holds.
func TestSlabOverflow(t *testing.T) {
	var l wamp.List
	for i := range 40 {
		l = append(l, fmt.Sprintf("s%02d-%s", i, "abcdefghij"), float64(i)+0.5, int64(1000+i))
	}
	b, err := cbor.AppendValue(nil, l)
	if err != nil {
		t.Fatal(err)
	}
	checkArgsMatchCBOR(t, b)
}
