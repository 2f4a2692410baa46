package msgpack

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/tinylib/msgp/msgp"

	"github.com/autobahn-go/autobahn/utf8"
	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/internal/intern"
)

// MaxDepth bounds the nesting of lists and dicts the decoder accepts.
const MaxDepth = 1000

var (
	// ErrUnsupportedType is returned for values the encoder cannot represent.
	ErrUnsupportedType = errors.New("wamp/msgpack: unsupported value type")
	// ErrMalformed is returned (possibly wrapped) for input that is not
	// MessagePack the decoder accepts.
	ErrMalformed = errors.New("wamp/msgpack: malformed input")
)

// errInvalidUTF8 is returned for a string (value, dict key or URI) that is
// not valid UTF-8: a MessagePack str holds UTF-8 (the specification's str
// format family), and the peer's decoder rejects one that does not (ours
// does, with ErrMalformed). Go strings may hold any bytes; one meant as
// bytes travels as []byte (bin).
var errInvalidUTF8 = fmt.Errorf("%w: a string that is not valid UTF-8 (MessagePack str; send bytes as []byte)", ErrUnsupportedType)

// appendStr appends s as a str, refusing one that is not UTF-8. It checks
// the copy it wrote with package utf8, whose kernels take non-ASCII text
// many bytes at a time (unicode/utf8 decodes it rune by rune, which
// doubled the cost of encoding such a message).
func appendStr(b []byte, s string) ([]byte, error) {
	n := len(b)
	b = msgp.AppendString(b, s)
	if !utf8.Valid(b[len(b)-len(s):]) {
		return b[:n], errInvalidUTF8
	}
	return b, nil
}

// Serializer implements wamp.Serializer for MessagePack. The zero value is ready.
type Serializer struct{}

var _ wamp.Serializer = Serializer{}

// Name returns "msgpack".
func (Serializer) Name() string { return "msgpack" }

// Binary returns true.
func (Serializer) Binary() bool { return true }

// AppendMessage appends the MessagePack encoding of m to dst.
func (Serializer) AppendMessage(dst []byte, m wamp.Message) ([]byte, error) {
	var w wamp.Wire
	if !wamp.ToWire(m, &w) {
		return dst, ErrUnsupportedType
	}
	b := msgp.AppendArrayHeader(dst, uint32(w.Len))
	for i := range w.Len {
		var err error
		switch e := &w.Elems[i]; e.Kind {
		case wamp.KindInt:
			b = appendInt(b, e.Int)
		case wamp.KindUint:
			b = msgp.AppendUint64(b, e.Uint)
		case wamp.KindString:
			b, err = appendStr(b, e.Str)
		case wamp.KindDict:
			b, err = appendDict(b, e.Dict, 1)
		case wamp.KindList:
			b, err = appendList(b, e.List, 1)
		case wamp.KindBytes:
			b = msgp.AppendBytes(b, e.Bytes)
		default:
			b, err = appendValue(b, e.Val, 1)
		}
		if err != nil {
			return dst, err
		}
	}
	return b, nil
}

// Unmarshal decodes and validates one message. The top-level list is read
// straight into a wamp.Wire: its IDs and URIs are never boxed.
func (Serializer) Unmarshal(b []byte) (wamp.Message, error) {
	d := decoder{b: b}
	n, ok, err := d.arrayHeader()
	if err != nil {
		return nil, err
	}
	if !ok {
		if _, err := Decode(b); err != nil {
			return nil, err
		}
		return nil, &wamp.ProtocolError{Msg: "message is not a list"}
	}
	var w wamp.Wire
	w.Len = n
	for i := range n {
		if i < wamp.MaxWireLen {
			err = d.elem(&w.Elems[i])
		} else {
			_, err = d.value(1)
		}
		if err != nil {
			return nil, err
		}
	}
	if d.i != len(d.b) {
		return nil, ErrMalformed
	}
	return wamp.FromWire(&w)
}

// Decode decodes one value that must fill b exactly.
func Decode(b []byte) (any, error) {
	d := decoder{b: b}
	v, err := d.value(0)
	if err != nil {
		return nil, err
	}
	if d.i != len(d.b) {
		return nil, ErrMalformed
	}
	return v, nil
}

// decoder reads MessagePack from b; every read checks the bytes left.
type decoder struct {
	b []byte
	i int
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

// size reads a big-endian length or number of w bytes.
func (d *decoder) size(w int) (uint64, error) {
	p, err := d.take(uint64(w))
	if err != nil {
		return 0, err
	}
	switch w {
	case 1:
		return uint64(p[0]), nil
	case 2:
		return uint64(binary.BigEndian.Uint16(p)), nil
	case 4:
		return uint64(binary.BigEndian.Uint32(p)), nil
	}
	return binary.BigEndian.Uint64(p), nil
}

// arrayHeader reads an array header; ok is false (and nothing is read)
// when the next value is not an array.
func (d *decoder) arrayHeader() (n int, ok bool, err error) {
	if d.i >= len(d.b) {
		return 0, false, ErrMalformed
	}
	c := d.b[d.i]
	var u uint64
	switch {
	case c&0xf0 == 0x90:
		d.i++
		u = uint64(c & 0x0f)
	case c == 0xdc:
		d.i++
		u, err = d.size(2)
	case c == 0xdd:
		d.i++
		u, err = d.size(4)
	default:
		return 0, false, nil
	}
	if err != nil {
		return 0, true, err
	}
	if u > uint64(len(d.b)-d.i) { // every element takes at least one byte
		return 0, true, ErrMalformed
	}
	return int(u), true, nil
}

// strLen reads the header of a str value; ok is false (and nothing is
// read) when the next value is not a str.
func (d *decoder) strLen() (n uint64, ok bool, err error) {
	if d.i >= len(d.b) {
		return 0, false, ErrMalformed
	}
	switch c := d.b[d.i]; {
	case c&0xe0 == 0xa0:
		d.i++
		return uint64(c & 0x1f), true, nil
	case c == 0xd9:
		d.i++
		n, err = d.size(1)
	case c == 0xda:
		d.i++
		n, err = d.size(2)
	case c == 0xdb:
		d.i++
		n, err = d.size(4)
	default:
		return 0, false, nil
	}
	return n, true, err
}

// text reads n bytes of valid UTF-8.
func (d *decoder) text(n uint64) ([]byte, error) {
	p, err := d.take(n)
	if err != nil {
		return nil, err
	}
	if !utf8.Valid(p) {
		return nil, ErrMalformed
	}
	return p, nil
}

// elem decodes one top-level element into e without boxing integers,
// strings, lists or binary values.
func (d *decoder) elem(e *wamp.Elem) error {
	n, ok, err := d.strLen()
	if err != nil {
		return err
	}
	if ok {
		p, err := d.text(n)
		e.Kind, e.Str = wamp.KindString, string(p)
		return err
	}
	c := d.b[d.i] // strLen checked that a byte is left
	switch {
	case c <= 0x7f:
		d.i++
		e.Kind, e.Int = wamp.KindInt, int64(c)
		return nil
	case c >= 0xcc && c <= 0xcf:
		d.i++
		u, err := d.size(1 << (c - 0xcc))
		if u > math.MaxInt64 {
			e.Kind, e.Uint = wamp.KindUint, u
		} else {
			e.Kind, e.Int = wamp.KindInt, int64(u)
		}
		return err
	case c&0xf0 == 0x80 || c == 0xde || c == 0xdf:
		m, err := d.dict(1)
		e.Kind, e.Dict = wamp.KindDict, m
		return err
	case c&0xf0 == 0x90 || c == 0xdc || c == 0xdd:
		l, err := d.list(1)
		e.Kind, e.List = wamp.KindList, l
		return err
	case c >= 0xc4 && c <= 0xc6:
		p, err := d.bin()
		e.Kind, e.Bytes = wamp.KindBytes, p
		return err
	}
	v, err := d.value(1)
	e.SetValue(v)
	return err
}

func (d *decoder) bin() ([]byte, error) {
	c := d.b[d.i]
	d.i++
	n, err := d.size(1 << (c - 0xc4))
	if err != nil {
		return nil, err
	}
	p, err := d.take(n)
	if err != nil {
		return nil, err
	}
	return append([]byte{}, p...), nil
}

func (d *decoder) list(depth int) ([]any, error) {
	if depth > MaxDepth {
		return nil, ErrMalformed
	}
	n, _, err := d.arrayHeader()
	if err != nil {
		return nil, err
	}
	// Sized for at most 64 elements up front, as dict: n is only checked
	// against the bytes left, and each list nested in this one would make
	// its own slice from the same bytes (nested headers that each claim
	// all of them asked for depth × length × 16 bytes).
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
	if depth > MaxDepth {
		return nil, ErrMalformed
	}
	c := d.b[d.i]
	d.i++
	var n uint64
	var err error
	switch c {
	case 0xde:
		n, err = d.size(2)
	case 0xdf:
		n, err = d.size(4)
	default:
		n = uint64(c & 0x0f)
	}
	if err != nil {
		return nil, err
	}
	if n*2 > uint64(len(d.b)-d.i) {
		return nil, ErrMalformed
	}
	// Sized for at most 64 pairs up front: n is only checked against the
	// bytes left, and a map sized for n costs some 40 bytes a pair before
	// any key is read (16 MiB of garbage asked for 640 MiB).
	m := make(map[string]any, min(n, 64))
	for range n {
		kn, ok, err := d.strLen()
		if !ok || err != nil {
			return nil, ErrMalformed
		}
		kb, err := d.text(kn)
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
			return nil, ErrMalformed
		}
	}
	return m, nil
}

func (d *decoder) value(depth int) (any, error) {
	if depth > MaxDepth {
		return nil, ErrMalformed
	}
	n, ok, err := d.strLen()
	if err != nil {
		return nil, err
	}
	if ok {
		p, err := d.text(n)
		if err != nil {
			return nil, err
		}
		return string(p), nil
	}
	c := d.b[d.i] // strLen checked that a byte is left
	switch {
	case c <= 0x7f:
		d.i++
		return int64(c), nil
	case c >= 0xe0:
		d.i++
		return int64(int8(c)), nil
	case c&0xf0 == 0x80 || c == 0xde || c == 0xdf:
		return d.dict(depth)
	case c&0xf0 == 0x90 || c == 0xdc || c == 0xdd:
		return d.list(depth)
	case c >= 0xc4 && c <= 0xc6:
		return d.bin()
	}
	d.i++
	switch c {
	case 0xc0:
		return nil, nil
	case 0xc2:
		return false, nil
	case 0xc3:
		return true, nil
	case 0xca:
		u, err := d.size(4)
		return float64(math.Float32frombits(uint32(u))), err
	case 0xcb:
		u, err := d.size(8)
		return math.Float64frombits(u), err
	case 0xcc, 0xcd, 0xce, 0xcf:
		u, err := d.size(1 << (c - 0xcc))
		if u > math.MaxInt64 {
			return u, err
		}
		return int64(u), err
	case 0xd0:
		u, err := d.size(1)
		return int64(int8(u)), err
	case 0xd1:
		u, err := d.size(2)
		return int64(int16(u)), err
	case 0xd2:
		u, err := d.size(4)
		return int64(int32(u)), err
	case 0xd3:
		u, err := d.size(8)
		return int64(u), err
	}
	return nil, ErrMalformed // 0xc1 and the extension types
}

// AppendValue appends the MessagePack encoding of v (one of the value types
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
	if depth > MaxDepth {
		return b, ErrUnsupportedType
	}
	switch x := v.(type) {
	case nil:
		return msgp.AppendNil(b), nil
	case bool:
		return msgp.AppendBool(b, x), nil
	case string:
		return appendStr(b, x)
	case []byte:
		return msgp.AppendBytes(b, x), nil
	case int64:
		return appendInt(b, x), nil
	case uint64:
		return msgp.AppendUint64(b, x), nil
	case int:
		return appendInt(b, int64(x)), nil
	case float64:
		return msgp.AppendFloat64(b, x), nil
	case float32:
		return msgp.AppendFloat64(b, float64(x)), nil
	case []any:
		return appendList(b, x, depth)
	case map[string]any:
		return appendDict(b, x, depth)
	case []string:
		if len(x) > 0 && depth >= MaxDepth { // as appendList: its elements are too deep
			return b, ErrUnsupportedType
		}
		b = msgp.AppendArrayHeader(b, uint32(len(x)))
		for _, e := range x {
			var err error
			if b, err = appendStr(b, e); err != nil {
				return b, err
			}
		}
		return b, nil
	case wamp.URI:
		return appendStr(b, string(x))
	case wamp.ID:
		return msgp.AppendUint64(b, uint64(x)), nil
	case int8, int16, int32, uint, uint8, uint16, uint32, wamp.MessageType:
		if u, ok := x.(uint); ok {
			return msgp.AppendUint64(b, uint64(u)), nil
		}
		n, _ := wamp.AsInt64(x)
		if mt, ok := x.(wamp.MessageType); ok {
			n = int64(mt)
		}
		return appendInt(b, n), nil
	}
	return b, ErrUnsupportedType
}

func appendList(b []byte, l []any, depth int) ([]byte, error) {
	b = msgp.AppendArrayHeader(b, uint32(len(l)))
	for _, e := range l {
		var err error
		if b, err = appendValue(b, e, depth+1); err != nil {
			return b, err
		}
	}
	return b, nil
}

func appendDict(b []byte, d map[string]any, depth int) ([]byte, error) {
	b = msgp.AppendMapHeader(b, uint32(len(d)))
	if len(d) == 0 {
		return b, nil
	}
	var stack [16]string
	keys := stack[:0]
	for k := range d {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		var err error
		if b, err = appendStr(b, k); err != nil {
			return b, err
		}
		if b, err = appendValue(b, d[k], depth+1); err != nil {
			return b, err
		}
	}
	return b, nil
}

// appendInt writes non-negative values as unsigned types, like Python's msgpack.
func appendInt(b []byte, n int64) []byte {
	if n >= 0 {
		return msgp.AppendUint64(b, uint64(n))
	}
	return msgp.AppendInt64(b, n)
}
