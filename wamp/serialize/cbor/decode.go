package cbor

import (
	"encoding/binary"
	"errors"
	"math"

	"github.com/autobahn-go/autobahn/utf8"
	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/internal/intern"
)

// The decoder is written out by hand too (RFC 8949), with the limits and
// strictness of the fxamacker/cbor options it replaced (checked by a
// differential fuzz test): nesting depth maxDepth, at most maxElems list
// elements and dict pairs, no tags, text dict keys only, no duplicate keys,
// valid UTF-8, integers within int64, simple values other than false, true,
// null and undefined rejected. Indefinite lengths are accepted.

// ErrMalformed is returned for input that is not CBOR the decoder accepts.
var ErrMalformed = errors.New("wamp/cbor: malformed input")

// maxElems bounds the elements of a list and the pairs of a dict.
const maxElems = 1 << 20

const (
	majorTag    = 6 << 5
	majorSimple = 7 << 5
	breakCode   = 0xff
)

// Unmarshal decodes and validates one message. The top-level list is read
// straight into a wamp.Wire: its IDs and URIs are never boxed. The
// common CALL, RESULT, PUBLISH, EVENT, INVOCATION and YIELD go straight
// into their structs (hot.go).
func (Serializer) Unmarshal(b []byte) (wamp.Message, error) {
	if m, ok := unmarshalHot(b); ok {
		return m, nil
	}
	return unmarshalWire(b)
}

// unmarshalWire is Unmarshal through a wamp.Wire and wamp.FromWire, for
// every message.
func unmarshalWire(b []byte) (wamp.Message, error) {
	d := decoder{b: b}
	if len(b) == 0 || b[0]&0xe0 != majorArray {
		if _, err := d.value(1); err != nil {
			return nil, err
		}
		if d.i != len(d.b) {
			return nil, ErrMalformed
		}
		return nil, &wamp.ProtocolError{Msg: "message is not a list"}
	}
	n, indef, err := d.head()
	if err != nil {
		return nil, err
	}
	if !indef && n > uint64(len(d.b)-d.i) || n > maxElems {
		return nil, ErrMalformed
	}
	var w wamp.Wire
	for i := 0; indef || i < int(n); i++ {
		if indef && d.isBreak() {
			break
		}
		if i >= maxElems {
			return nil, ErrMalformed
		}
		if i < wamp.MaxWireLen {
			err = d.elem(&w.Elems[i])
		} else {
			_, err = d.value(2)
		}
		if err != nil {
			return nil, err
		}
		w.Len++
	}
	if d.i != len(d.b) {
		return nil, ErrMalformed
	}
	return wamp.FromWire(&w)
}

// Decode decodes one value that must fill b exactly, into the value types
// of package wamp (integers as int64).
func Decode(b []byte) (any, error) {
	d := decoder{b: b}
	v, err := d.value(1)
	if err != nil {
		return nil, err
	}
	if d.i != len(d.b) {
		return nil, ErrMalformed
	}
	return v, nil
}

type decoder struct {
	b []byte
	i int
	// slab, if it has room, takes the short strings the decoder returns
	// (hot.go): their bytes share one allocation with the message.
	slab []byte
}

// head reads an initial byte and its argument. For indefinite lengths
// (additional information 31 on strings, lists and dicts) it returns
// indef; the caller checks the major type.
func (d *decoder) head() (n uint64, indef bool, err error) {
	if d.i >= len(d.b) {
		return 0, false, ErrMalformed
	}
	c := d.b[d.i]
	d.i++
	switch ai := c & 0x1f; {
	case ai < 24:
		return uint64(ai), false, nil
	case ai <= 27:
		w := 1 << (ai - 24)
		if w > len(d.b)-d.i {
			return 0, false, ErrMalformed
		}
		p := d.b[d.i : d.i+w]
		d.i += w
		switch w {
		case 1:
			return uint64(p[0]), false, nil
		case 2:
			return uint64(binary.BigEndian.Uint16(p)), false, nil
		case 4:
			return uint64(binary.BigEndian.Uint32(p)), false, nil
		}
		return binary.BigEndian.Uint64(p), false, nil
	case ai == 31:
		switch c >> 5 {
		case 2, 3, 4, 5:
			return 0, true, nil
		}
	}
	return 0, false, ErrMalformed
}

// isBreak consumes a break code if one is next.
func (d *decoder) isBreak() bool {
	if d.i < len(d.b) && d.b[d.i] == breakCode {
		d.i++
		return true
	}
	return false
}

// take returns the next n bytes.
func (d *decoder) take(n uint64) ([]byte, error) {
	if n > uint64(len(d.b)-d.i) {
		return nil, ErrMalformed
	}
	p := d.b[d.i : d.i+int(n)]
	d.i += int(n)
	return p, nil
}

// str reads a byte or text string (major type major) and returns its
// bytes: a subslice of the input for a definite length, else a fresh
// concatenation of the chunks. Text is checked for valid UTF-8.
func (d *decoder) str(major byte) ([]byte, bool, error) {
	n, indef, err := d.head()
	if err != nil {
		return nil, false, err
	}
	if !indef {
		p, err := d.take(n)
		if err == nil && major == majorText && !utf8.Valid(p) {
			err = ErrMalformed
		}
		return p, false, err
	}
	var buf []byte
	for !d.isBreak() {
		if d.i >= len(d.b) || d.b[d.i]&0xe0 != major {
			return nil, false, ErrMalformed
		}
		n, indef, err := d.head()
		if err != nil || indef {
			return nil, false, ErrMalformed
		}
		p, err := d.take(n)
		if err != nil {
			return nil, false, err
		}
		if major == majorText && !utf8.Valid(p) {
			return nil, false, ErrMalformed
		}
		buf = append(buf, p...)
	}
	return buf, true, nil
}

// text reads a text string as a Go string.
func (d *decoder) text() (string, error) {
	p, fresh, err := d.str(majorText)
	if err == nil && !fresh && cap(d.slab) > 0 {
		return d.slabString(p), nil
	}
	return string(p), err
}

// bytes reads a byte string into a fresh slice (never nil).
func (d *decoder) bytes() ([]byte, error) {
	p, fresh, err := d.str(majorBytes)
	if err != nil {
		return nil, err
	}
	if fresh && p != nil {
		return p, nil
	}
	return append([]byte{}, p...), nil
}

// elem decodes one top-level element into e without boxing integers,
// strings, lists or binary values.
func (d *decoder) elem(e *wamp.Elem) error {
	if d.i >= len(d.b) {
		return ErrMalformed
	}
	var err error
	switch d.b[d.i] & 0xe0 {
	case majorUint:
		var n uint64
		if n, _, err = d.head(); n > math.MaxInt64 {
			e.Kind, e.Uint = wamp.KindUint, n // as msgpack: beyond int64, a uint64
		} else {
			e.Kind, e.Int = wamp.KindInt, int64(n)
		}
	case majorText:
		e.Kind = wamp.KindString
		e.Str, err = d.text()
	case majorBytes:
		e.Kind = wamp.KindBytes
		e.Bytes, err = d.bytes()
	case majorArray:
		e.Kind = wamp.KindList
		e.List, err = d.list(2)
	case majorMap:
		e.Kind = wamp.KindDict
		e.Dict, err = d.dict(2)
	default:
		var v any
		v, err = d.value(2)
		e.SetValue(v)
	}
	return err
}

// value decodes one value; depth is its nesting level if it is a list or
// a dict (the top-level value is at level 1).
func (d *decoder) value(depth int) (any, error) {
	if d.i >= len(d.b) {
		return nil, ErrMalformed
	}
	c := d.b[d.i]
	switch c & 0xe0 {
	case majorUint:
		n, _, err := d.head()
		if err != nil {
			return nil, err
		}
		if n > math.MaxInt64 {
			return n, nil // beyond int64: a uint64, as msgpack decodes it
		}
		return int64(n), nil
	case majorNeg:
		n, _, err := d.head()
		if err != nil {
			return nil, err
		}
		if n > math.MaxInt64 {
			return nil, ErrUnsupportedType
		}
		return -1 - int64(n), nil
	case majorBytes:
		return d.bytes()
	case majorText:
		return d.text()
	case majorArray:
		return d.list(depth)
	case majorMap:
		return d.dict(depth)
	case majorTag:
		return nil, ErrUnsupportedType
	}
	d.i++
	switch c {
	case 0xf4:
		return false, nil
	case 0xf5:
		return true, nil
	case 0xf6, 0xf7: // null, undefined
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
	case 0xf8: // a simple value in one more byte
		p, err := d.take(1)
		if err != nil || p[0] < 32 {
			return nil, ErrMalformed
		}
		return nil, ErrUnsupportedType
	}
	if c <= 0xf3 { // simple values 0..19
		return nil, ErrUnsupportedType
	}
	return nil, ErrMalformed // reserved codes and a stray break
}

func (d *decoder) list(depth int) ([]any, error) {
	if depth > maxDepth {
		return nil, ErrMalformed
	}
	n, indef, err := d.head()
	if err != nil {
		return nil, err
	}
	if indef {
		l := []any{}
		for !d.isBreak() {
			if len(l) >= maxElems {
				return nil, ErrMalformed
			}
			v, err := d.value(depth + 1)
			if err != nil {
				return nil, err
			}
			l = append(l, v)
		}
		return l, nil
	}
	if n > uint64(len(d.b)-d.i) || n > maxElems { // every element takes a byte
		return nil, ErrMalformed
	}
	// Sized for at most 64 elements up front, as dict: n is only checked
	// against the bytes left, and each list nested in this one would make
	// its own slice from the same bytes (nested heads that each claim all
	// of them asked for depth × length × 16 bytes).
	l := make([]any, 0, min(n, 64))
	for range n {
		v, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		l = append(l, v)
	}
	return l, nil
}

func (d *decoder) dict(depth int) (map[string]any, error) {
	if depth > maxDepth {
		return nil, ErrMalformed
	}
	n, indef, err := d.head()
	if err != nil {
		return nil, err
	}
	if !indef && (n > uint64(len(d.b)-d.i)/2 || n > maxElems) {
		return nil, ErrMalformed
	}
	// Sized for at most 64 pairs up front: n is only checked against the
	// bytes left, and a map sized for n costs some 40 bytes a pair before
	// any key is read.
	m := make(map[string]any, min(n, 64))
	for i := 0; indef || i < int(n); i++ {
		if indef && d.isBreak() {
			break
		}
		if i >= maxElems {
			return nil, ErrMalformed
		}
		if d.i >= len(d.b) {
			return nil, ErrMalformed
		}
		if d.b[d.i]&0xe0 != majorText {
			// A valid key of another type is unsupported; skip it to tell
			// malformed input apart.
			if _, err := d.value(depth + 1); err != nil {
				return nil, err
			}
			return nil, ErrUnsupportedType
		}
		kb, _, err := d.str(majorText)
		if err != nil {
			return nil, err
		}
		k := intern.Key(kb)
		v, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		// One hash operation: a duplicate key leaves len(m) unchanged.
		before := len(m)
		if m[k] = v; len(m) == before {
			return nil, ErrUnsupportedType
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
