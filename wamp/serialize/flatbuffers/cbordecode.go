package flatbuffers

import (
	"encoding/binary"
	"errors"
	"math"
	"unsafe"

	"github.com/autobahn-go/autobahn/utf8"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
)

// The args and kwargs decoder: the rules of cbor.Decode (checked by the
// differential FuzzArgsMatchCBOR), with one difference in where strings
// live: short ones share the message's string slab (see valueSlab).
// Indefinite lengths, which cbor2 never writes, are handed to cbor.Decode
// whole.

// maxElems bounds the elements of a list and the pairs of a dict (as in
// package cbor).
const maxElems = 1 << 20

var (
	errCBORMalformed   = errors.New("malformed CBOR")
	errCBORUnsupported = errors.New("CBOR value WAMP has no use for")
	errCBORIndefinite  = errors.New("indefinite length")
)

// A decoded message's short strings share one allocation, its string
// slab: the procedure or topic URI and short text arguments are copied
// into it instead of getting an allocation each. The slab holds at most
// slabSize bytes and no more than the input's length (which bounds the
// text it can hold), is allocated when the first string needs it, has no
// pointers for the garbage collector to scan, and lives as long as any
// string in it. Strings longer than a quarter of it get their own copy.
const slabSize = 128

// valueSlab hands out the strings of one message.
type valueSlab struct {
	b    []byte
	size int // min(slabSize, the input's length)
}

// str returns p as a Go string that shares nothing with p.
func (v *valueSlab) str(p []byte) string {
	if len(p) < 2 || len(p) > slabSize/4 {
		return string(p) // one byte costs nothing; long strings get their own copy
	}
	if len(p) > cap(v.b)-len(v.b) {
		if v.b != nil {
			return string(p)
		}
		v.b = make([]byte, 0, v.size)
	}
	start := len(v.b)
	v.b = append(v.b, p...)
	return unsafe.String(&v.b[start], len(p))
}

// decodeCBOR decodes one value that must fill b exactly, with strings
// from *st.
func decodeCBOR(b []byte, st *valueSlab) (any, error) {
	// The slab travels by value: a pointer into the recursive decoder
	// would move the caller's reader to the heap.
	d := cborDecoder{b: b, st: *st}
	v, err := d.value(1)
	*st = d.st
	if err == nil && d.i != len(b) {
		err = errCBORMalformed
	}
	if err == errCBORIndefinite {
		return cbor.Decode(b)
	}
	return v, err
}

type cborDecoder struct {
	b  []byte
	i  int
	st valueSlab
}

// head reads an initial byte and its argument (definite lengths only).
func (d *cborDecoder) head() (uint64, error) {
	if d.i >= len(d.b) {
		return 0, errCBORMalformed
	}
	c := d.b[d.i]
	d.i++
	switch ai := c & 0x1f; {
	case ai < 24:
		return uint64(ai), nil
	case ai <= 27:
		w := 1 << (ai - 24)
		if w > len(d.b)-d.i {
			return 0, errCBORMalformed
		}
		p := d.b[d.i : d.i+w]
		d.i += w
		switch w {
		case 1:
			return uint64(p[0]), nil
		case 2:
			return uint64(binary.BigEndian.Uint16(p)), nil
		case 4:
			return uint64(binary.BigEndian.Uint32(p)), nil
		}
		return binary.BigEndian.Uint64(p), nil
	case ai == 31:
		switch c >> 5 {
		case 2, 3, 4, 5:
			return 0, errCBORIndefinite
		}
	}
	return 0, errCBORMalformed
}

func (d *cborDecoder) take(n uint64) ([]byte, error) {
	if n > uint64(len(d.b)-d.i) {
		return nil, errCBORMalformed
	}
	p := d.b[d.i : d.i+int(n)]
	d.i += int(n)
	return p, nil
}

func (d *cborDecoder) text() ([]byte, error) {
	n, err := d.head()
	if err != nil {
		return nil, err
	}
	p, err := d.take(n)
	if err == nil && !utf8.Valid(p) {
		err = errCBORMalformed
	}
	return p, err
}

func (d *cborDecoder) value(depth int) (any, error) {
	if d.i >= len(d.b) {
		return nil, errCBORMalformed
	}
	c := d.b[d.i]
	switch c & 0xe0 {
	case majorUint, majorNeg:
		n, err := d.head()
		if err != nil {
			return nil, err
		}
		if n > math.MaxInt64 {
			if c&0xe0 == majorUint {
				return n, nil // beyond int64: a uint64, as cbor.Decode gives it
			}
			return nil, errCBORUnsupported
		}
		if c&0xe0 == majorNeg {
			return -1 - int64(n), nil
		}
		return int64(n), nil
	case majorBytes:
		n, err := d.head()
		if err != nil {
			return nil, err
		}
		p, err := d.take(n)
		if err != nil {
			return nil, err
		}
		return append([]byte{}, p...), nil
	case majorText:
		p, err := d.text()
		if err != nil {
			return nil, err
		}
		return d.st.str(p), nil
	case majorArray:
		return d.list(depth)
	case majorMap:
		return d.dict(depth)
	case 6 << 5: // tags
		return nil, errCBORUnsupported
	}
	d.i++
	switch c {
	case 0xf4:
		return false, nil
	case 0xf5:
		return true, nil
	case 0xf6, 0xf7:
		return nil, nil
	case 0xf9:
		p, err := d.take(2)
		if err != nil {
			return nil, err
		}
		return halfToFloat64(binary.BigEndian.Uint16(p)), nil
	case 0xfa:
		p, err := d.take(4)
		if err != nil {
			return nil, err
		}
		return float64(math.Float32frombits(binary.BigEndian.Uint32(p))), nil
	case 0xfb:
		p, err := d.take(8)
		if err != nil {
			return nil, err
		}
		return math.Float64frombits(binary.BigEndian.Uint64(p)), nil
	case 0xf8:
		p, err := d.take(1)
		if err != nil || p[0] < 32 {
			return nil, errCBORMalformed
		}
		return nil, errCBORUnsupported
	}
	if c <= 0xf3 {
		return nil, errCBORUnsupported
	}
	return nil, errCBORMalformed
}

func (d *cborDecoder) list(depth int) ([]any, error) { return d.listInto(depth, nil) }

// listInto is list, with the elements in buf when the list has len(buf)
// of them.
func (d *cborDecoder) listInto(depth int, buf []any) ([]any, error) {
	if depth > maxDepth {
		return nil, errCBORMalformed
	}
	n, err := d.head()
	if err != nil {
		return nil, err
	}
	if n > uint64(len(d.b)-d.i) || n > maxElems {
		return nil, errCBORMalformed
	}
	// A new slice is sized for at most 64 elements up front, as dict: n is
	// only checked against the bytes left, and each list nested in this
	// one would make its own from the same bytes (nested heads that each
	// claim all of them asked for depth × length × 16 bytes).
	var l []any
	if buf != nil && uint64(len(buf)) == n {
		l = buf[:0]
	} else {
		l = make([]any, 0, min(n, 64)) // never nil, as cbor.Decode
	}
	for range n {
		v, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		l = append(l, v)
	}
	return l, nil
}

func (d *cborDecoder) dict(depth int) (map[string]any, error) {
	if depth > maxDepth {
		return nil, errCBORMalformed
	}
	n, err := d.head()
	if err != nil {
		return nil, err
	}
	if n > uint64(len(d.b)-d.i)/2 || n > maxElems {
		return nil, errCBORMalformed
	}
	// Sized for at most 64 pairs up front: n is only checked against the
	// bytes left, and a map sized for n costs some 40 bytes a pair before
	// any key is read.
	m := make(map[string]any, min(n, 64))
	for range n {
		if d.i >= len(d.b) {
			return nil, errCBORMalformed
		}
		if d.b[d.i]&0xe0 != majorText {
			if _, err := d.value(depth + 1); err != nil {
				return nil, err
			}
			return nil, errCBORUnsupported
		}
		kb, err := d.text()
		if err != nil {
			return nil, err
		}
		k := d.st.str(kb)
		v, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		before := len(m)
		if m[k] = v; len(m) == before {
			return nil, errCBORUnsupported
		}
	}
	return m, nil
}

// halfToFloat64 converts an IEEE 754 half-precision float.
func halfToFloat64(h uint16) float64 {
	sign := 1.0
	if h&0x8000 != 0 {
		sign = -1
	}
	exp := int(h>>10) & 0x1f
	frac := float64(h & 0x3ff)
	switch exp {
	case 0:
		return sign * math.Ldexp(frac, -24)
	case 0x1f:
		if frac == 0 {
			return math.Inf(int(sign))
		}
		return math.NaN()
	}
	return sign * math.Ldexp(1024+frac, exp-25)
}
