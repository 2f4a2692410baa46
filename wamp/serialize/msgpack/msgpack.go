package msgpack

import (
	"errors"
	"math"
	"slices"
	"unicode/utf8"

	"github.com/tinylib/msgp/msgp"

	"github.com/autobahn-go/autobahn/wamp"
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

// Serializer implements wamp.Serializer for MessagePack. The zero value is ready.
type Serializer struct{}

var _ wamp.Serializer = Serializer{}

// Name returns "msgpack".
func (Serializer) Name() string { return "msgpack" }

// Binary returns true.
func (Serializer) Binary() bool { return true }

// AppendMessage appends the MessagePack encoding of m to dst.
func (Serializer) AppendMessage(dst []byte, m wamp.Message) ([]byte, error) {
	w := listWriter{b: dst}
	ok, err := wamp.WriteList(m, &w)
	if !ok {
		return dst, ErrUnsupportedType
	}
	if err != nil {
		return dst, err
	}
	return w.b, nil
}

// listWriter encodes a message's list straight from its fields.
type listWriter struct{ b []byte }

func (w *listWriter) BeginList(n int) { w.b = msgp.AppendArrayHeader(w.b, uint32(n)) }
func (w *listWriter) EndList()        {}
func (w *listWriter) Int(v int64)     { w.b = appendInt(w.b, v) }
func (w *listWriter) ID(v wamp.ID)    { w.b = msgp.AppendUint64(w.b, uint64(v)) }
func (w *listWriter) String(s string) { w.b = msgp.AppendString(w.b, s) }
func (w *listWriter) Value(v any) error {
	var err error
	w.b, err = appendValue(w.b, v, 1)
	return err
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

// Decode decodes one value that must fill b exactly.
func Decode(b []byte) (any, error) {
	v, rest, err := decode(b, 0)
	if err != nil {
		return nil, err
	}
	if len(rest) != 0 {
		return nil, ErrMalformed
	}
	return v, nil
}

func decode(b []byte, depth int) (any, []byte, error) {
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
			if l[i], b, err = decode(b, depth+1); err != nil {
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
			if m[k], b, err = decode(b, depth+1); err != nil {
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

// AppendValue appends the MessagePack encoding of v (one of the value types
// listed in package wamp, other integer widths, float32, []string).
func AppendValue(dst []byte, v any) ([]byte, error) { return appendValue(dst, v, 0) }

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
		return msgp.AppendString(b, x), nil
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
		b = msgp.AppendArrayHeader(b, uint32(len(x)))
		for _, e := range x {
			var err error
			if b, err = appendValue(b, e, depth+1); err != nil {
				return b, err
			}
		}
		return b, nil
	case map[string]any:
		b = msgp.AppendMapHeader(b, uint32(len(x)))
		var stack [16]string
		keys := stack[:0]
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			b = msgp.AppendString(b, k)
			var err error
			if b, err = appendValue(b, x[k], depth+1); err != nil {
				return b, err
			}
		}
		return b, nil
	case []string:
		b = msgp.AppendArrayHeader(b, uint32(len(x)))
		for _, e := range x {
			b = msgp.AppendString(b, e)
		}
		return b, nil
	case wamp.URI:
		return msgp.AppendString(b, string(x)), nil
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

// appendInt writes non-negative values as unsigned types, like Python's msgpack.
func appendInt(b []byte, n int64) []byte {
	if n >= 0 {
		return msgp.AppendUint64(b, uint64(n))
	}
	return msgp.AppendInt64(b, n)
}
