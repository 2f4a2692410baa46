package msgpack

import (
	"errors"
	"fmt"
	"math"
	"testing"
	"unicode/utf8"

	"github.com/tinylib/msgp/msgp"
)

// refDecode is the earlier decoder, built on tinylib/msgp's readers: the
// naive reference the hand-written decoder is checked against.
func refDecode(b []byte, depth int) (any, []byte, error) {
	if depth > MaxDepth {
		return nil, b, ErrMalformed
	}
	var (
		v   any
		err error
	)
	switch msgp.NextType(b) {
	case msgp.ArrayType:
		var n uint32
		if n, b, err = msgp.ReadArrayHeaderBytes(b); err != nil {
			return nil, b, errors.Join(ErrMalformed, err)
		}
		if uint64(n) > uint64(len(b)) { // every element takes at least one byte
			return nil, b, ErrMalformed
		}
		l := make([]any, n)
		for i := range l {
			if l[i], b, err = refDecode(b, depth+1); err != nil {
				return nil, b, err
			}
		}
		return l, b, nil
	case msgp.MapType:
		var n uint32
		if n, b, err = msgp.ReadMapHeaderBytes(b); err != nil {
			return nil, b, errors.Join(ErrMalformed, err)
		}
		if uint64(n)*2 > uint64(len(b)) {
			return nil, b, ErrMalformed
		}
		m := make(map[string]any, n)
		for range n {
			if msgp.NextType(b) != msgp.StrType {
				return nil, b, ErrMalformed
			}
			var k string
			if k, b, err = msgp.ReadStringBytes(b); err != nil {
				return nil, b, errors.Join(ErrMalformed, err)
			}
			if !utf8.ValidString(k) {
				return nil, b, ErrMalformed
			}
			if _, dup := m[k]; dup {
				return nil, b, ErrMalformed
			}
			if m[k], b, err = refDecode(b, depth+1); err != nil {
				return nil, b, err
			}
		}
		return m, b, nil
	case msgp.StrType:
		var s string
		s, b, err = msgp.ReadStringBytes(b)
		if err == nil && !utf8.ValidString(s) {
			err = ErrMalformed
		}
		v = s
	case msgp.BinType:
		var p []byte
		p, b, err = msgp.ReadBytesBytes(b, nil)
		if p == nil {
			p = []byte{}
		}
		v = p
	case msgp.IntType:
		v, b, err = msgp.ReadInt64Bytes(b)
	case msgp.UintType:
		var u uint64
		u, b, err = msgp.ReadUint64Bytes(b)
		if u <= math.MaxInt64 {
			v = int64(u)
		} else {
			v = u
		}
	case msgp.Float64Type:
		v, b, err = msgp.ReadFloat64Bytes(b)
	case msgp.Float32Type:
		var f float32
		f, b, err = msgp.ReadFloat32Bytes(b)
		v = float64(f)
	case msgp.BoolType:
		v, b, err = msgp.ReadBoolBytes(b)
	case msgp.NilType:
		b, err = msgp.ReadNilBytes(b)
	default:
		return nil, b, ErrMalformed
	}
	if err != nil {
		return nil, b, errors.Join(ErrMalformed, err)
	}
	return v, b, nil
}

func refDecodeAll(b []byte) (any, error) {
	v, rest, err := refDecode(b, 0)
	if err != nil {
		return nil, err
	}
	if len(rest) != 0 {
		return nil, ErrMalformed
	}
	return v, nil
}

// FuzzDecodeMatchesReference checks that Decode accepts exactly what the
// msgp-based reference accepts, with equal values.
func FuzzDecodeMatchesReference(f *testing.F) {
	for _, in := range [][]byte{
		{0x93, 0x11, 0x01, 0x02},
		{0x96, 0x30, 0xce, 0, 1, 0xe2, 0x40, 0x80, 0xa3, 'a', '.', 'b', 0x93, 0x01, 0xa1, 'x', 0xc3, 0x82, 0xa1, 'a', 0xff, 0xa1, 'b', 0xcb, 0x40, 4, 0, 0, 0, 0, 0, 0},
		{0x92, 0xc4, 0x02, 1, 2, 0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
		{0x94, 0xd0, 0x80, 0xd1, 0x80, 0, 0xd2, 0x80, 0, 0, 0, 0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0},
		{0x93, 0xca, 0x3f, 0x80, 0, 0, 0xc0, 0xc2},
		{0xdc, 0, 1, 0xd9, 1, 'x'},
		{0xdf, 0, 0, 0, 1, 0xda, 0, 1, 'k', 0xdb, 0, 0, 0, 0},
	} {
		f.Add(in)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := Decode(b)
		want, refErr := refDecodeAll(b)
		if (err == nil) != (refErr == nil) {
			t.Fatalf("%x: Decode error %v, reference error %v", b, err, refErr)
		}
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("%x: error %v does not match ErrMalformed", b, err)
			}
			return
		}
		// %#v shows the Go types too, prints maps sorted and NaN equal to NaN.
		if fmt.Sprintf("%#v", got) != fmt.Sprintf("%#v", want) {
			t.Fatalf("%x: Decode %#v, reference %#v", b, got, want)
		}
	})
}
