package json

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/autobahn-go/autobahn/wamp"
)

// MaxDepth bounds the nesting of lists and dicts the decoder accepts.
const MaxDepth = 1000

// ErrSyntax is returned (wrapped) for input that is not valid JSON.
var ErrSyntax = errors.New("wamp/json: syntax error")

// ErrUnsupportedType is returned for values the encoder cannot represent.
var ErrUnsupportedType = errors.New("wamp/json: unsupported value type")

// Serializer implements wamp.Serializer for JSON. The zero value is ready.
type Serializer struct{}

var _ wamp.Serializer = Serializer{}

// Name returns "json".
func (Serializer) Name() string { return "json" }

// Binary returns false: JSON goes in WebSocket text frames.
func (Serializer) Binary() bool { return false }

// AppendMessage appends the JSON encoding of m to dst.
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
type listWriter struct {
	b    []byte
	next bool // an element was written: the next needs a comma
}

func (w *listWriter) sep() {
	if w.next {
		w.b = append(w.b, ',')
	}
	w.next = true
}

func (w *listWriter) BeginList(int)   { w.b = append(w.b, '[') }
func (w *listWriter) EndList()        { w.b = append(w.b, ']') }
func (w *listWriter) Int(v int64)     { w.sep(); w.b = strconv.AppendInt(w.b, v, 10) }
func (w *listWriter) ID(v wamp.ID)    { w.sep(); w.b = strconv.AppendUint(w.b, uint64(v), 10) }
func (w *listWriter) String(s string) { w.sep(); w.b = appendString(w.b, s) }
func (w *listWriter) Value(v any) error {
	w.sep()
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

// Decode decodes one JSON value from b; there must be nothing but
// whitespace after it.
func Decode(b []byte) (any, error) {
	var d decoder
	d.b = b
	d.stack = d.arr[:0]
	d.ws()
	v, err := d.value(0)
	if err != nil {
		return nil, err
	}
	d.ws()
	if d.i != len(d.b) {
		return nil, d.syntax("trailing data")
	}
	return v, nil
}

type decoder struct {
	b     []byte
	i     int
	stack []any // elements of the lists being parsed, copied out exactly sized
	arr   [16]any
}

type syntaxError struct {
	msg string
	off int
}

func (e *syntaxError) Error() string {
	return "wamp/json: syntax error at offset " + strconv.Itoa(e.off) + ": " + e.msg
}
func (e *syntaxError) Is(t error) bool { return t == ErrSyntax }

func (d *decoder) syntax(msg string) error { return &syntaxError{msg, d.i} }

func (d *decoder) ws() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *decoder) value(depth int) (any, error) {
	if d.i >= len(d.b) {
		return nil, d.syntax("unexpected end")
	}
	switch c := d.b[d.i]; c {
	case '[':
		if depth >= MaxDepth {
			return nil, d.syntax("nesting too deep")
		}
		d.i++
		d.ws()
		if d.i < len(d.b) && d.b[d.i] == ']' {
			d.i++
			return []any{}, nil
		}
		base := len(d.stack)
		for {
			v, err := d.value(depth + 1)
			if err != nil {
				return nil, err
			}
			d.stack = append(d.stack, v)
			d.ws()
			if d.i >= len(d.b) {
				return nil, d.syntax("unexpected end in list")
			}
			switch d.b[d.i] {
			case ',':
				d.i++
				d.ws()
			case ']':
				d.i++
				l := make([]any, len(d.stack)-base)
				copy(l, d.stack[base:])
				clear(d.stack[base:])
				d.stack = d.stack[:base]
				return l, nil
			default:
				return nil, d.syntax("want ',' or ']'")
			}
		}
	case '{':
		if depth >= MaxDepth {
			return nil, d.syntax("nesting too deep")
		}
		d.i++
		d.ws()
		m := make(map[string]any)
		if d.i < len(d.b) && d.b[d.i] == '}' {
			d.i++
			return m, nil
		}
		for {
			if d.i >= len(d.b) || d.b[d.i] != '"' {
				return nil, d.syntax("want a string key")
			}
			k, err := d.str()
			if err != nil {
				return nil, err
			}
			d.ws()
			if d.i >= len(d.b) || d.b[d.i] != ':' {
				return nil, d.syntax("want ':'")
			}
			d.i++
			d.ws()
			v, err := d.value(depth + 1)
			if err != nil {
				return nil, err
			}
			m[k] = v
			d.ws()
			if d.i >= len(d.b) {
				return nil, d.syntax("unexpected end in dict")
			}
			switch d.b[d.i] {
			case ',':
				d.i++
				d.ws()
			case '}':
				d.i++
				return m, nil
			default:
				return nil, d.syntax("want ',' or '}'")
			}
		}
	case '"':
		s, err := d.str()
		if err != nil {
			return nil, err
		}
		if len(s) > 0 && s[0] == 0 {
			b, err := base64.StdEncoding.DecodeString(s[1:])
			if err != nil {
				return nil, d.syntax("bad base64 in binary string")
			}
			return b, nil
		}
		return s, nil
	case 't':
		return d.lit("true", true)
	case 'f':
		return d.lit("false", false)
	case 'n':
		return d.lit("null", nil)
	default:
		if c == '-' || c >= '0' && c <= '9' {
			return d.number()
		}
		return nil, d.syntax("unexpected character")
	}
}

func (d *decoder) lit(word string, v any) (any, error) {
	if len(d.b)-d.i >= len(word) && string(d.b[d.i:d.i+len(word)]) == word {
		d.i += len(word)
		return v, nil
	}
	return nil, d.syntax("bad literal")
}

func (d *decoder) number() (any, error) {
	start := d.i
	if d.b[d.i] == '-' {
		d.i++
	}
	digits := d.i
	for d.i < len(d.b) && d.b[d.i] >= '0' && d.b[d.i] <= '9' {
		d.i++
	}
	if d.i == digits || d.b[digits] == '0' && d.i-digits > 1 {
		return nil, d.syntax("bad number")
	}
	isFloat := false
	if d.i < len(d.b) && d.b[d.i] == '.' {
		isFloat = true
		d.i++
		f := d.i
		for d.i < len(d.b) && d.b[d.i] >= '0' && d.b[d.i] <= '9' {
			d.i++
		}
		if d.i == f {
			return nil, d.syntax("bad number")
		}
	}
	if d.i < len(d.b) && (d.b[d.i] == 'e' || d.b[d.i] == 'E') {
		isFloat = true
		d.i++
		if d.i < len(d.b) && (d.b[d.i] == '+' || d.b[d.i] == '-') {
			d.i++
		}
		e := d.i
		for d.i < len(d.b) && d.b[d.i] >= '0' && d.b[d.i] <= '9' {
			d.i++
		}
		if d.i == e {
			return nil, d.syntax("bad number")
		}
	}
	s := d.b[start:d.i]
	if !isFloat {
		if n, ok := parseInt(s); ok {
			return n, nil
		}
		if s[0] != '-' {
			if u, err := strconv.ParseUint(string(s), 10, 64); err == nil {
				return u, nil
			}
		}
	}
	f, err := strconv.ParseFloat(string(s), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return nil, d.syntax("bad number")
	}
	return f, nil
}

// parseInt parses a decimal int64 without allocating.
func parseInt(s []byte) (int64, bool) {
	neg := s[0] == '-'
	if neg {
		s = s[1:]
	}
	if len(s) > 18 {
		n, err := strconv.ParseInt(string(s), 10, 64)
		if err != nil {
			if neg && string(s) == "9223372036854775808" {
				return math.MinInt64, true
			}
			return 0, false
		}
		if neg {
			n = -n
		}
		return n, true
	}
	var n int64
	for _, c := range s {
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// SWAR helpers: test 8 bytes at once for '"', '\\' and control characters.
const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// special reports whether any byte of x is '"', '\\' or below 0x20.
func special(x uint64) bool {
	q := x ^ (lsb * '"')
	e := x ^ (lsb * '\\')
	return ((q-lsb)&^q|(e-lsb)&^e|(x-lsb*0x20)&^x)&msb != 0
}

// plainPrefix returns how many leading bytes of s need no escaping,
// rounded down to whole 8-byte words.
func plainPrefix(s []byte) int {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		if special(binary.LittleEndian.Uint64(s[i:])) {
			break
		}
	}
	return i
}

// str reads a string starting at the opening quote.
func (d *decoder) str() (string, error) {
	d.i++
	start := d.i
	d.i += plainPrefix(d.b[d.i:])
	for d.i < len(d.b) {
		c := d.b[d.i]
		if c == '"' {
			s := d.b[start:d.i]
			d.i++
			if !utf8.Valid(s) {
				return "", d.syntax("invalid UTF-8 in string")
			}
			return string(s), nil
		}
		if c == '\\' {
			return d.strEscaped(start)
		}
		if c < 0x20 {
			return "", d.syntax("control character in string")
		}
		d.i++
	}
	return "", d.syntax("unterminated string")
}

func (d *decoder) strEscaped(start int) (string, error) {
	buf := make([]byte, 0, d.i-start+16)
	buf = append(buf, d.b[start:d.i]...)
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			d.i++
			if !utf8.Valid(buf) {
				return "", d.syntax("invalid UTF-8 in string")
			}
			return string(buf), nil
		case c < 0x20:
			return "", d.syntax("control character in string")
		case c != '\\':
			buf = append(buf, c)
			d.i++
			continue
		}
		d.i++
		if d.i >= len(d.b) {
			break
		}
		e := d.b[d.i]
		d.i++
		switch e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, ok := d.hex4()
			if !ok {
				return "", d.syntax("bad \\u escape")
			}
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if d.i+1 < len(d.b) && d.b[d.i] == '\\' && d.b[d.i+1] == 'u' {
					d.i += 2
					r2, ok = d.hex4()
					if !ok {
						return "", d.syntax("bad \\u escape")
					}
				}
				r = utf16.DecodeRune(r, r2)
				if r == utf8.RuneError {
					return "", d.syntax("unpaired surrogate")
				}
			}
			buf = utf8.AppendRune(buf, r)
		default:
			return "", d.syntax("bad escape")
		}
	}
	return "", d.syntax("unterminated string")
}

func (d *decoder) hex4() (rune, bool) {
	if len(d.b)-d.i < 4 {
		return 0, false
	}
	var r rune
	for _, c := range d.b[d.i : d.i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	d.i += 4
	return r, true
}

// AppendValue appends the JSON encoding of v (one of the value types listed
// in package wamp, other integer widths, float32, []string, wamp.ID, wamp.URI).
func AppendValue(dst []byte, v any) ([]byte, error) {
	return appendValue(dst, v, 0)
}

func appendValue(b []byte, v any, depth int) ([]byte, error) {
	if depth > MaxDepth {
		return b, ErrUnsupportedType
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
		return appendString(b, x), nil
	case wamp.URI:
		return appendString(b, string(x)), nil
	case []byte:
		b = append(b, `"\u0000`...)
		b = base64.StdEncoding.AppendEncode(b, x)
		return append(b, '"'), nil
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
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendValue(b, e, depth+1); err != nil {
				return b, err
			}
		}
		return append(b, ']'), nil
	case map[string]any:
		return appendDict(b, x, depth)
	case []string:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, e)
		}
		return append(b, ']'), nil
	case int8, int16, int32, uint, uint8, uint16, uint32:
		n, _ := wamp.AsInt64(x)
		return strconv.AppendInt(b, n, 10), nil
	case wamp.MessageType:
		return strconv.AppendInt(b, int64(x), 10), nil
	}
	return b, ErrUnsupportedType
}

func appendDict(b []byte, d map[string]any, depth int) ([]byte, error) {
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
		b = appendString(b, k)
		b = append(b, ':')
		var err error
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

func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	i := 0
	for ; i+8 <= len(s); i += 8 {
		if special(uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56) {
			break
		}
	}
	for ; i < len(s); i++ {
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
	return append(b, '"')
}
