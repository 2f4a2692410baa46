package cbor

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/autobahn-go/autobahn/utf8"
	"github.com/autobahn-go/autobahn/wamp"
)

// The encoder is written out by hand (RFC 8949): WAMP values are a small
// closed set, and walking them directly avoids the reflection and the
// intermediate list fxamacker/cbor would need. It writes the same bytes
// fxamacker does with SortBytewiseLexical, ShortestFloatNone and
// NilContainerAsEmpty; decoding stays with fxamacker.

const (
	majorUint  = 0 << 5
	majorNeg   = 1 << 5
	majorBytes = 2 << 5
	majorText  = 3 << 5
	majorArray = 4 << 5
	majorMap   = 5 << 5
)

// maxDepth bounds the nesting the encoder follows (the decoder's limit).
const maxDepth = 256

func appendHead(b []byte, major byte, n uint64) []byte {
	switch {
	case n < 24:
		return append(b, major|byte(n))
	case n <= math.MaxUint8:
		return append(b, major|24, byte(n))
	case n <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(b, major|25), uint16(n))
	case n <= math.MaxUint32:
		return binary.BigEndian.AppendUint32(append(b, major|26), uint32(n))
	}
	return binary.BigEndian.AppendUint64(append(b, major|27), n)
}

func appendInt(b []byte, v int64) []byte {
	if v >= 0 {
		return appendHead(b, majorUint, uint64(v))
	}
	return appendHead(b, majorNeg, uint64(-1-v))
}

// errInvalidUTF8 is returned for a string (value, dict key or URI) that is
// not valid UTF-8: a CBOR text string is UTF-8 (RFC 8949 3.1, major type
// 3), and the peer's decoder rejects one that is not (ours does, as
// malformed). Go strings may hold any bytes; one meant as bytes travels as
// []byte (a byte string).
var errInvalidUTF8 = fmt.Errorf("%w: a string that is not valid UTF-8 (RFC 8949 3.1; send bytes as []byte)", ErrUnsupportedType)

// appendText appends s as a text string, refusing one that is not UTF-8.
// It checks the copy it wrote with package utf8, whose kernels take
// non-ASCII text many bytes at a time (unicode/utf8 decodes it rune by
// rune, which doubled the cost of encoding such a message).
func appendText(b []byte, s string) ([]byte, error) {
	n := len(b)
	b = append(appendHead(b, majorText, uint64(len(s))), s...)
	if !utf8.Valid(b[len(b)-len(s):]) {
		return b[:n], errInvalidUTF8
	}
	return b, nil
}

func appendValue(b []byte, v any, depth int) ([]byte, error) {
	if depth > maxDepth {
		return b, ErrUnsupportedType
	}
	switch x := v.(type) {
	case nil:
		return append(b, 0xf6), nil
	case bool:
		if x {
			return append(b, 0xf5), nil
		}
		return append(b, 0xf4), nil
	case string:
		return appendText(b, x)
	case []byte:
		return append(appendHead(b, majorBytes, uint64(len(x))), x...), nil
	case int64:
		return appendInt(b, x), nil
	case uint64:
		return appendHead(b, majorUint, x), nil
	case int:
		return appendInt(b, int64(x)), nil
	case float64:
		return binary.BigEndian.AppendUint64(append(b, 0xfb), math.Float64bits(x)), nil
	case float32:
		return binary.BigEndian.AppendUint64(append(b, 0xfb), math.Float64bits(float64(x))), nil
	case []any:
		return appendList(b, x, depth)
	case map[string]any:
		return appendDict(b, x, depth)
	case []string:
		b = appendHead(b, majorArray, uint64(len(x)))
		for _, e := range x {
			var err error
			if b, err = appendText(b, e); err != nil {
				return b, err
			}
		}
		return b, nil
	case wamp.URI:
		return appendText(b, string(x))
	case wamp.ID:
		return appendHead(b, majorUint, uint64(x)), nil
	case wamp.MessageType:
		return appendInt(b, int64(x)), nil
	case uint:
		return appendHead(b, majorUint, uint64(x)), nil
	case int8, int16, int32, uint8, uint16, uint32:
		n, _ := wamp.AsInt64(x)
		return appendInt(b, n), nil
	}
	return b, ErrUnsupportedType
}

func appendList(b []byte, l []any, depth int) ([]byte, error) {
	b = appendHead(b, majorArray, uint64(len(l)))
	for _, e := range l {
		var err error
		if b, err = appendValue(b, e, depth+1); err != nil {
			return b, err
		}
	}
	return b, nil
}

func appendDict(b []byte, d map[string]any, depth int) ([]byte, error) {
	b = appendHead(b, majorMap, uint64(len(d)))
	if len(d) == 0 {
		return b, nil
	}
	var stack [16]string
	keys := stack[:0]
	for k := range d {
		keys = append(keys, k)
	}
	// Bytewise order of the encoded keys: shorter first, then bytes.
	slices.SortFunc(keys, func(a, b string) int {
		if len(a) != len(b) {
			return len(a) - len(b)
		}
		return strings.Compare(a, b)
	})
	for _, k := range keys {
		var err error
		if b, err = appendText(b, k); err != nil {
			return b, err
		}
		if b, err = appendValue(b, d[k], depth+1); err != nil {
			return b, err
		}
	}
	return b, nil
}

// AppendValue appends the CBOR encoding of v, an element of a WAMP
// message's Args or Kwargs (nil, bool, integers, floats, string, []byte,
// wamp.List or []any, wamp.Dict or map[string]any), to dst, the way the
// Serializer encodes it: shortest integer heads, float64, map keys in
// bytewise order. A value it cannot encode, or one nested deeper than the
// decoder accepts, is ErrUnsupportedType, and dst is returned unchanged
// (as AppendMessage does). Other serializers that carry payloads as CBOR
// (Autobahn's FlatBuffers) use it.
func AppendValue(dst []byte, v any) ([]byte, error) {
	b, err := appendValue(dst, v, 1)
	return whole(dst, b, err)
}

// AppendList appends l as a CBOR array, like AppendValue.
func AppendList(dst []byte, l []any) ([]byte, error) {
	b, err := appendList(dst, l, 1)
	return whole(dst, b, err)
}

// AppendDict appends d as a CBOR map, like AppendValue.
func AppendDict(dst []byte, d map[string]any) ([]byte, error) {
	b, err := appendDict(dst, d, 1)
	return whole(dst, b, err)
}

// whole returns b, or dst unchanged when err is set (b then ends in a
// partly written value).
func whole(dst, b []byte, err error) ([]byte, error) {
	if err != nil {
		return dst, err
	}
	return b, nil
}
