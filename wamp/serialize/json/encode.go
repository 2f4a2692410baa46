package json

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/autobahn-go/autobahn/utf8"
	"github.com/autobahn-go/autobahn/wamp"
)

// AppendValue appends the JSON encoding of v (one of the value types listed
// in package wamp, other integer widths, float32, []string, wamp.ID, wamp.URI).
// On failure it returns dst unchanged, as AppendMessage does.
func AppendValue(dst []byte, v any) ([]byte, error) {
	b, err := appendValue(dst, v, 0)
	if err != nil {
		return dst, err
	}
	return b, nil
}

func appendValue(b []byte, v any, depth int) ([]byte, error) {
	switch v.(type) {
	case []any, map[string]any, []string:
		// A list or dict at depth MaxDepth is one the decoder rejects.
		if depth >= MaxDepth {
			return b, ErrUnsupportedType
		}
	}
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case bool:
		if x {
			return append(b, "true"...), nil
		}
		return append(b, "false"...), nil
	case string:
		return appendText(b, x)
	case wamp.URI:
		return appendText(b, string(x))
	case []byte:
		return appendBytes(b, x), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case uint64:
		return strconv.AppendUint(b, x, 10), nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case wamp.ID:
		return strconv.AppendUint(b, uint64(x), 10), nil
	case float64:
		return appendFloat(b, x)
	case float32:
		return appendFloat(b, float64(x))
	case []any:
		return appendList(b, x, depth)
	case map[string]any:
		return appendDict(b, x, depth)
	case []string:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendText(b, e); err != nil {
				return b, err
			}
		}
		return append(b, ']'), nil
	case uint:
		return strconv.AppendUint(b, uint64(x), 10), nil
	case int8, int16, int32, uint8, uint16, uint32:
		n, _ := wamp.AsInt64(x)
		return strconv.AppendInt(b, n, 10), nil
	case wamp.MessageType:
		return strconv.AppendInt(b, int64(x), 10), nil
	}
	return b, ErrUnsupportedType
}

func appendBytes(b []byte, p []byte) []byte {
	b = append(b, `"\u0000`...)
	b = base64.StdEncoding.AppendEncode(b, p)
	return append(b, '"')
}

func appendList(b []byte, l []any, depth int) ([]byte, error) {
	b = append(b, '[')
	for i, e := range l {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = appendValue(b, e, depth+1); err != nil {
			return b, err
		}
	}
	return append(b, ']'), nil
}

func appendDict(b []byte, d map[string]any, depth int) ([]byte, error) {
	if len(d) == 0 {
		return append(b, '{', '}'), nil
	}
	b = append(b, '{')
	var stack [16]string
	keys := stack[:0]
	for k := range d {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = appendString(b, k); err != nil {
			return b, err
		}
		b = append(b, ':')
		if b, err = appendValue(b, d[k], depth+1); err != nil {
			return b, err
		}
	}
	return append(b, '}'), nil
}

// appendFloat writes floats the way Python's repr does for the common cases:
// integral values keep a ".0".
func appendFloat(b []byte, f float64) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return b, ErrUnsupportedType
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e16 {
		b = strconv.AppendFloat(b, f, 'f', -1, 64)
		return append(b, ".0"...), nil
	}
	return strconv.AppendFloat(b, f, 'g', -1, 64), nil
}

const hexDigits = "0123456789abcdef"

// errLeadingNUL is returned for a string value that starts with a NUL
// character: JSON cannot carry it, since "\u0000" at the start of a string
// marks binary (base64 follows), and the peer would decode it as bytes or
// fail on its base64.
var errLeadingNUL = fmt.Errorf("%w: a string value starting with NUL (the JSON binary marker)", ErrUnsupportedType)

// errInvalidUTF8 is returned for a string (value or dict key) that is not
// valid UTF-8: JSON text is UTF-8 (RFC 8259 8.1), the peer's decoder
// rejects such a string (ours does), and a WebSocket text frame cannot
// carry it (RFC 6455 5.6). Go strings may hold any bytes; one meant as
// bytes travels as []byte.
var errInvalidUTF8 = fmt.Errorf("%w: a string that is not valid UTF-8 (RFC 8259 8.1; send bytes as []byte)", ErrUnsupportedType)

// appendText appends s as a string value (not a dict key, which is never
// binary).
func appendText(b []byte, s string) ([]byte, error) {
	if len(s) > 0 && s[0] == 0 {
		return b, errLeadingNUL
	}
	return appendString(b, s)
}

// appendString copies s whole, then scans the copy (a []byte, read a word
// at a time); only a string that needs escapes is rewritten from its first
// special byte on. A string that is not valid UTF-8 is refused
// (errInvalidUTF8): the scan for control characters tells which strings
// have bytes above 0x7F to check, so ASCII ones take no extra pass, and
// package utf8 checks the copy (its kernels take non-ASCII text many bytes
// at a time; unicode/utf8 decodes it rune by rune).
func appendString(b []byte, s string) ([]byte, error) {
	b = append(b, '"')
	start := len(b)
	b = append(b, s...)
	if p := b[start:]; bytes.IndexByte(p, '"') < 0 && bytes.IndexByte(p, '\\') < 0 {
		ctl, nonASCII := scanPlain(p)
		if nonASCII && !utf8.Valid(p) {
			return b[:start-1], errInvalidUTF8
		}
		if !ctl {
			return append(b, '"'), nil
		}
	} else if !utf8.Valid(b[start:]) {
		return b[:start-1], errInvalidUTF8
	}
	i := start + plainPrefix(b[start:])
	for ; i < len(b); i++ {
		if c := b[i]; c < 0x20 || c == '"' || c == '\\' {
			break
		}
	}
	if i == len(b) {
		return append(b, '"'), nil
	}
	s = s[i-start:]
	b = b[:i]
	start = 0
	for i = 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		case '\b':
			b = append(b, '\\', 'b')
		case '\f':
			b = append(b, '\\', 'f')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"'), nil
}
