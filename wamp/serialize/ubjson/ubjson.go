package ubjson

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/autobahn-go/autobahn/utf8"
	"github.com/autobahn-go/autobahn/wamp"
)

// MaxDepth bounds the nesting of lists and dicts the decoder accepts.
const MaxDepth = 1000

// maxZeroSizeCount bounds the elements of all counted containers of
// payload-free elements (Z, T, F) in one value together: they take no
// input bytes per element, so a bound per container alone would let a few
// bytes of nested containers ask for gigabytes.
const maxZeroSizeCount = 1 << 16

var (
	// ErrUnsupportedType is returned (possibly wrapped) for values the
	// encoder cannot represent, a string that is not UTF-8 among them.
	ErrUnsupportedType = errors.New("wamp/ubjson: unsupported value type")
	// ErrMalformed is returned for input that is not UBJSON the decoder accepts.
	ErrMalformed = errors.New("wamp/ubjson: malformed input")
)

// errInvalidUTF8 is returned for a string (value, dict key or URI) that is
// not valid UTF-8: UBJSON strings and keys are UTF-8 (as JSON's), and the
// peer's decoder rejects one that is not (ours does, with ErrMalformed).
// Go strings may hold any bytes; one meant as bytes travels as []byte.
var errInvalidUTF8 = fmt.Errorf("%w: a string that is not valid UTF-8 (UBJSON S; send bytes as []byte)", ErrUnsupportedType)

// Serializer implements wamp.Serializer for UBJSON. The zero value is ready.
type Serializer struct{}

var _ wamp.Serializer = Serializer{}

// Name returns "ubjson".
func (Serializer) Name() string { return "ubjson" }

// Binary returns true.
func (Serializer) Binary() bool { return true }

// AppendMessage appends the UBJSON encoding of m to dst.
func (Serializer) AppendMessage(dst []byte, m wamp.Message) ([]byte, error) {
	var w wamp.Wire
	if !wamp.ToWire(m, &w) {
		return dst, ErrUnsupportedType
	}
	b := append(dst, '[')
	for i := range w.Len {
		var err error
		switch e := &w.Elems[i]; e.Kind {
		case wamp.KindInt:
			b = appendInt(b, e.Int)
		case wamp.KindUint:
			if e.Uint <= math.MaxInt64 {
				b = appendInt(b, int64(e.Uint))
			} else {
				b, err = appendValue(b, e.Uint, 1)
			}
		case wamp.KindString:
			b, err = appendString(b, e.Str)
		case wamp.KindDict:
			b, err = appendDict(b, e.Dict, 1)
		case wamp.KindList:
			b, err = appendList(b, e.List, 1)
		case wamp.KindBytes:
			b, err = appendValue(b, e.Bytes, 1)
		default:
			b, err = appendValue(b, e.Val, 1)
		}
		if err != nil {
			return dst, err
		}
	}
	return append(b, ']'), nil
}

// Unmarshal decodes and validates one message.
func (Serializer) Unmarshal(b []byte) (wamp.Message, error) {
	v, err := Decode(b)
	if err != nil {
		return nil, err
	}
	l, ok := v.([]any)
	if !ok {
		return nil, &wamp.ProtocolError{Msg: "message is not a list"}
	}
	return wamp.FromList(l)
}

// Decode decodes one value that must fill b exactly (no-op markers aside).
func Decode(b []byte) (any, error) {
	d := decoder{b: b, zeroLeft: maxZeroSizeCount}
	v, err := d.value(0)
	if err != nil {
		return nil, err
	}
	for d.i < len(d.b) && d.b[d.i] == 'N' {
		d.i++
	}
	if d.i != len(d.b) {
		return nil, ErrMalformed
	}
	return v, nil
}

type decoder struct {
	b []byte
	i int
	// zeroLeft is how many more payload-free elements counted containers
	// may hold (maxZeroSizeCount for the whole value).
	zeroLeft int
}

func (d *decoder) marker() (byte, error) {
	for d.i < len(d.b) {
		c := d.b[d.i]
		d.i++
		if c != 'N' {
			return c, nil
		}
	}
	return 0, ErrMalformed
}

func (d *decoder) take(n int) ([]byte, error) {
	if n < 0 || n > len(d.b)-d.i {
		return nil, ErrMalformed
	}
	p := d.b[d.i : d.i+n]
	d.i += n
	return p, nil
}

func (d *decoder) value(depth int) (any, error) {
	c, err := d.marker()
	if err != nil {
		return nil, err
	}
	return d.typed(c, depth)
}

// length reads a count or length: an integer value (i, U, I, l or L, as
// the spec and py-ubjson ask) that is not negative. Any other marker is
// malformed, not read as a value: a string's length given as a string
// would recurse once per input byte.
func (d *decoder) length() (int, error) {
	c, err := d.marker()
	if err != nil {
		return 0, err
	}
	switch c {
	case 'i', 'U', 'I', 'l', 'L':
	default:
		return 0, ErrMalformed
	}
	v, err := d.typed(c, MaxDepth)
	if err != nil {
		return 0, err
	}
	n, ok := v.(int64)
	if !ok || n < 0 || n > math.MaxInt32 {
		return 0, ErrMalformed
	}
	return int(n), nil
}

func (d *decoder) typed(c byte, depth int) (any, error) {
	switch c {
	case 'Z':
		return nil, nil
	case 'T':
		return true, nil
	case 'F':
		return false, nil
	case 'i':
		p, err := d.take(1)
		if err != nil {
			return nil, err
		}
		return int64(int8(p[0])), nil
	case 'U':
		p, err := d.take(1)
		if err != nil {
			return nil, err
		}
		return int64(p[0]), nil
	case 'I':
		p, err := d.take(2)
		if err != nil {
			return nil, err
		}
		return int64(int16(binary.BigEndian.Uint16(p))), nil
	case 'l':
		p, err := d.take(4)
		if err != nil {
			return nil, err
		}
		return int64(int32(binary.BigEndian.Uint32(p))), nil
	case 'L':
		p, err := d.take(8)
		if err != nil {
			return nil, err
		}
		return int64(binary.BigEndian.Uint64(p)), nil
	case 'd':
		p, err := d.take(4)
		if err != nil {
			return nil, err
		}
		return float64(math.Float32frombits(binary.BigEndian.Uint32(p))), nil
	case 'D':
		p, err := d.take(8)
		if err != nil {
			return nil, err
		}
		return math.Float64frombits(binary.BigEndian.Uint64(p)), nil
	case 'C':
		p, err := d.take(1)
		if err != nil {
			return nil, err
		}
		if p[0] >= 0x80 {
			return nil, ErrMalformed
		}
		return string(p), nil
	case 'S', 'H':
		n, err := d.length()
		if err != nil {
			return nil, err
		}
		p, err := d.take(n)
		if err != nil {
			return nil, err
		}
		if c == 'H' {
			return highPrecision(p)
		}
		if !utf8.Valid(p) {
			return nil, ErrMalformed
		}
		return string(p), nil
	case '[':
		if depth >= MaxDepth {
			return nil, ErrMalformed
		}
		return d.list(depth)
	case '{':
		if depth >= MaxDepth {
			return nil, ErrMalformed
		}
		return d.dict(depth)
	}
	return nil, ErrMalformed
}

func highPrecision(p []byte) (any, error) {
	s := string(p)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, nil
	}
	if u, err := strconv.ParseUint(s, 10, 64); err == nil {
		return u, nil
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
		return f, nil
	}
	return nil, ErrMalformed
}

// header reads the optional $type and #count of an optimized container.
// count is -1 when the container ends with an end marker.
func (d *decoder) header() (typ byte, count int, err error) {
	count = -1
	if d.i < len(d.b) && d.b[d.i] == '$' {
		d.i++
		if typ, err = d.marker(); err != nil {
			return 0, 0, err
		}
		if d.i >= len(d.b) || d.b[d.i] != '#' {
			return 0, 0, ErrMalformed // $ requires #
		}
	}
	if d.i < len(d.b) && d.b[d.i] == '#' {
		d.i++
		if count, err = d.length(); err != nil {
			return 0, 0, err
		}
		switch typ {
		case 'Z', 'T', 'F':
			if count > d.zeroLeft {
				return 0, 0, ErrMalformed
			}
			d.zeroLeft -= count
		default:
			if count > len(d.b)-d.i {
				return 0, 0, ErrMalformed
			}
		}
	}
	return typ, count, nil
}

func (d *decoder) list(depth int) (any, error) {
	typ, count, err := d.header()
	if err != nil {
		return nil, err
	}
	if typ == 'U' {
		p, err := d.take(count)
		if err != nil {
			return nil, err
		}
		return slices.Clone(p), nil
	}
	// Sized for at most 64 elements up front, as dict: count is only
	// checked against the bytes left, and each list nested in this one
	// would make its own slice from the same bytes (nested headers that
	// each claim all of them asked for depth × length × 16 bytes).
	l := make([]any, 0, min(max(count, 0), 64))
	for i := 0; count < 0 || i < count; i++ {
		var v any
		if typ != 0 {
			v, err = d.typed(typ, depth+1)
		} else {
			var c byte
			if c, err = d.marker(); err != nil {
				return nil, err
			}
			if count < 0 && c == ']' {
				return l, nil
			}
			v, err = d.typed(c, depth+1)
		}
		if err != nil {
			return nil, err
		}
		l = append(l, v)
	}
	return l, nil
}

func (d *decoder) dict(depth int) (any, error) {
	typ, count, err := d.header()
	if err != nil {
		return nil, err
	}
	m := make(map[string]any, max(min(count, 64), 0))
	for i := 0; count < 0 || i < count; i++ {
		if count < 0 {
			for d.i < len(d.b) && d.b[d.i] == 'N' {
				d.i++
			}
			if d.i < len(d.b) && d.b[d.i] == '}' {
				d.i++
				return m, nil
			}
		}
		n, err := d.length()
		if err != nil {
			return nil, err
		}
		kb, err := d.take(n)
		if err != nil {
			return nil, err
		}
		if !utf8.Valid(kb) {
			return nil, ErrMalformed
		}
		k := string(kb)
		if _, dup := m[k]; dup {
			return nil, ErrMalformed
		}
		var v any
		if typ != 0 {
			v, err = d.typed(typ, depth+1)
		} else {
			v, err = d.value(depth + 1)
		}
		if err != nil {
			return nil, err
		}
		m[k] = v
	}
	return m, nil
}

// AppendValue appends the UBJSON encoding of v (one of the value types
// listed in package wamp, other integer widths, float32, []string). On
// failure it returns dst unchanged, as AppendMessage does.
func AppendValue(dst []byte, v any) ([]byte, error) {
	b, err := appendValue(dst, v, 0)
	if err != nil {
		return dst, err
	}
	return b, nil
}

func appendValue(b []byte, v any, depth int) ([]byte, error) {
	switch v.(type) {
	case []any, map[string]any, []string, []byte:
		// A container (binary is one too) at depth MaxDepth is one the
		// decoder rejects.
		if depth >= MaxDepth {
			return b, ErrUnsupportedType
		}
	}
	switch x := v.(type) {
	case nil:
		return append(b, 'Z'), nil
	case bool:
		if x {
			return append(b, 'T'), nil
		}
		return append(b, 'F'), nil
	case string:
		return appendString(b, x)
	case wamp.URI:
		return appendString(b, string(x))
	case []byte:
		b = append(b, '[', '$', 'U', '#')
		b = appendInt(b, int64(len(x)))
		return append(b, x...), nil
	case int64:
		return appendInt(b, x), nil
	case int:
		return appendInt(b, int64(x)), nil
	case uint64:
		if x > math.MaxInt64 {
			s := strconv.FormatUint(x, 10)
			b = append(b, 'H')
			b = appendInt(b, int64(len(s)))
			return append(b, s...), nil
		}
		return appendInt(b, int64(x)), nil
	case wamp.ID:
		return appendValue(b, uint64(x), depth)
	case float64:
		return appendFloat(b, x), nil
	case float32:
		return appendFloat(b, float64(x)), nil
	case []any:
		return appendList(b, x, depth)
	case map[string]any:
		return appendDict(b, x, depth)
	case []string:
		b = append(b, '[')
		for _, e := range x {
			var err error
			if b, err = appendString(b, e); err != nil {
				return b, err
			}
		}
		return append(b, ']'), nil
	case wamp.MessageType:
		return appendInt(b, int64(x)), nil
	case int8, int16, int32, uint8, uint16, uint32:
		n, _ := wamp.AsInt64(x)
		return appendInt(b, n), nil
	case uint:
		return appendValue(b, uint64(x), depth)
	}
	return b, ErrUnsupportedType
}

func appendList(b []byte, l []any, depth int) ([]byte, error) {
	b = append(b, '[')
	for _, e := range l {
		var err error
		if b, err = appendValue(b, e, depth+1); err != nil {
			return b, err
		}
	}
	return append(b, ']'), nil
}

func appendDict(b []byte, d map[string]any, depth int) ([]byte, error) {
	b = append(b, '{')
	var stack [16]string
	keys := stack[:0]
	for k := range d {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		var err error
		if b, err = appendUTF8(appendInt(b, int64(len(k))), k); err != nil {
			return b, err
		}
		if b, err = appendValue(b, d[k], depth+1); err != nil {
			return b, err
		}
	}
	return append(b, '}'), nil
}

// appendString appends s as C (one ASCII byte) or S, refusing a string
// that is not UTF-8.
func appendString(b []byte, s string) ([]byte, error) {
	if len(s) == 1 && s[0] < 0x80 {
		return append(b, 'C', s[0]), nil
	}
	return appendUTF8(appendInt(append(b, 'S'), int64(len(s))), s)
}

// appendUTF8 appends s, refusing one that is not UTF-8: it checks the copy
// it wrote with package utf8, whose kernels take non-ASCII text many bytes
// at a time (unicode/utf8 decodes it rune by rune, which doubled the cost
// of encoding such a message).
func appendUTF8(b []byte, s string) ([]byte, error) {
	n := len(b)
	b = append(b, s...)
	if !utf8.Valid(b[n:]) {
		return b[:n], errInvalidUTF8
	}
	return b, nil
}

// appendFloat writes float64 (D). Like py-ubjson, NaN and infinities,
// which UBJSON cannot carry, become null (Z).
func appendFloat(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, 'Z')
	}
	b = append(b, 'D')
	return binary.BigEndian.AppendUint64(b, math.Float64bits(f))
}

// appendInt picks the smallest type in py-ubjson's order: U for 0..255,
// then i, I, l, L.
func appendInt(b []byte, n int64) []byte {
	switch {
	case n >= 0 && n <= math.MaxUint8:
		return append(b, 'U', byte(n))
	case n >= math.MinInt8 && n < 0:
		return append(b, 'i', byte(n))
	case n >= math.MinInt16 && n <= math.MaxInt16:
		return binary.BigEndian.AppendUint16(append(b, 'I'), uint16(n))
	case n >= math.MinInt32 && n <= math.MaxInt32:
		return binary.BigEndian.AppendUint32(append(b, 'l'), uint32(n))
	}
	return binary.BigEndian.AppendUint64(append(b, 'L'), uint64(n))
}
