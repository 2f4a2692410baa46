package json

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/internal/intern"
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
	var w wamp.Wire
	if !wamp.ToWire(m, &w) {
		return dst, ErrUnsupportedType
	}
	b := append(dst, '[')
	for i := range w.Len {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		switch e := &w.Elems[i]; e.Kind {
		case wamp.KindInt:
			b = strconv.AppendInt(b, e.Int, 10)
		case wamp.KindUint:
			b = strconv.AppendUint(b, e.Uint, 10)
		case wamp.KindString:
			b = appendString(b, e.Str)
		case wamp.KindDict:
			b, err = appendDict(b, e.Dict, 1)
		case wamp.KindList:
			b, err = appendList(b, e.List, 1)
		case wamp.KindBytes:
			b = appendBytes(b, e.Bytes)
		default:
			b, err = appendValue(b, e.Val, 1)
		}
		if err != nil {
			return dst, err
		}
	}
	return append(b, ']'), nil
}

// Unmarshal decodes and validates one message. The top-level list is read
// straight into a wamp.Wire: its IDs and URIs are never boxed.
func (Serializer) Unmarshal(b []byte) (wamp.Message, error) {
	var d decoder
	d.b = b
	d.ws()
	if d.i >= len(d.b) || d.b[d.i] != '[' {
		if _, err := Decode(b); err != nil {
			return nil, err
		}
		return nil, &wamp.ProtocolError{Msg: "message is not a list"}
	}
	var w wamp.Wire
	d.i++
	d.ws()
	if d.i < len(d.b) && d.b[d.i] == ']' {
		d.i++
	} else {
		for {
			var err error
			if w.Len < wamp.MaxWireLen {
				err = d.elem(&w.Elems[w.Len])
			} else {
				_, err = d.value(1)
			}
			if err != nil {
				return nil, err
			}
			w.Len++
			d.ws()
			if d.i >= len(d.b) {
				return nil, d.syntax("unexpected end in list")
			}
			if d.b[d.i] == ']' {
				d.i++
				break
			}
			if d.b[d.i] != ',' {
				return nil, d.syntax("want ',' or ']'")
			}
			d.i++
			d.ws()
		}
	}
	d.ws()
	if d.i != len(d.b) {
		return nil, d.syntax("trailing data")
	}
	return wamp.FromWire(&w)
}

// elem decodes one top-level element into e without boxing integers,
// strings, lists or binary values.
func (d *decoder) elem(e *wamp.Elem) error {
	if d.i >= len(d.b) {
		return d.syntax("unexpected end")
	}
	switch c := d.b[d.i]; {
	case c == '[':
		l, err := d.list(1)
		e.Kind, e.List = wamp.KindList, l
		return err
	case c == '{':
		m, err := d.dict(1)
		e.Kind, e.Dict = wamp.KindDict, m
		return err
	case c == '"':
		s, bin, err := d.text()
		if bin != nil {
			e.Kind, e.Bytes = wamp.KindBytes, bin
		} else {
			e.Kind, e.Str = wamp.KindString, s
		}
		return err
	case c == '-' || c >= '0' && c <= '9':
		s, isFloat, err := d.scanNumber()
		if err != nil {
			return err
		}
		if !isFloat {
			if n, ok := parseInt(s); ok {
				e.Kind, e.Int = wamp.KindInt, n
				return nil
			}
		}
		v, err := d.convNumber(s, isFloat)
		e.SetValue(v)
		return err
	}
	v, err := d.value(1)
	e.Val = v
	return err
}

// Decode decodes one JSON value from b; there must be nothing but
// whitespace after it.
func Decode(b []byte) (any, error) {
	var d decoder
	d.b = b
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
	b []byte
	i int
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
		return d.list(depth)
	case '{':
		return d.dict(depth)
	case '"':
		s, bin, err := d.text()
		if bin != nil {
			return bin, err
		}
		return s, err
	case 't':
		return d.lit("true", true)
	case 'f':
		return d.lit("false", false)
	case 'n':
		return d.lit("null", nil)
	default:
		if c == '-' || c >= '0' && c <= '9' {
			s, isFloat, err := d.scanNumber()
			if err != nil {
				return nil, err
			}
			return d.convNumber(s, isFloat)
		}
		return nil, d.syntax("unexpected character")
	}
}

// list reads a list starting at '['. Up to eight elements collect in a
// local array and are copied out into an exactly sized slice; longer lists
// grow a slice of their own.
func (d *decoder) list(depth int) ([]any, error) {
	if depth >= MaxDepth {
		return nil, d.syntax("nesting too deep")
	}
	d.i++
	d.ws()
	if d.i < len(d.b) && d.b[d.i] == ']' {
		d.i++
		return []any{}, nil
	}
	var (
		small [8]any
		n     int
		big   []any
	)
	for {
		v, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		switch {
		case big != nil:
			big = append(big, v)
		case n < len(small):
			small[n] = v
			n++
		default:
			big = make([]any, n, 2*n)
			copy(big, small[:])
			big = append(big, v)
		}
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
			if big != nil {
				return big, nil
			}
			l := make([]any, n)
			copy(l, small[:n])
			return l, nil
		default:
			return nil, d.syntax("want ',' or ']'")
		}
	}
}

// dict reads a dict starting at '{'.
func (d *decoder) dict(depth int) (map[string]any, error) {
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
		k, err := d.str(true)
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
}

// text reads a string value starting at the opening quote. A string that
// starts with NUL is binary ("\u0000" + base64) and comes back as bin.
func (d *decoder) text() (s string, bin []byte, err error) {
	start := d.i
	if raw := d.b[start+1:]; len(raw) >= 6 && string(raw[:6]) == `\u0000` {
		// Base64 needs no escapes: decode the raw text unless an escape
		// (such as "\/") follows, which the generic path below handles.
		raw = raw[6:]
		j := 0
		for j < len(raw) && raw[j] != '"' && raw[j] != '\\' && raw[j] >= 0x20 {
			j++
		}
		if j < len(raw) && raw[j] == '"' {
			d.i = start + 1 + 6 + j + 1
			return d.base64(raw[:j])
		}
	}
	s, err = d.str(false)
	if err != nil {
		return "", nil, err
	}
	if len(s) > 0 && s[0] == 0 {
		return d.base64([]byte(s[1:]))
	}
	return s, nil, nil
}

func (d *decoder) base64(raw []byte) (string, []byte, error) {
	bin := make([]byte, base64.StdEncoding.DecodedLen(len(raw)))
	n, err := base64.StdEncoding.Decode(bin, raw)
	if err != nil {
		return "", nil, d.syntax("bad base64 in binary string")
	}
	return "", bin[:n:n], nil
}

func (d *decoder) lit(word string, v any) (any, error) {
	if len(d.b)-d.i >= len(word) && string(d.b[d.i:d.i+len(word)]) == word {
		d.i += len(word)
		return v, nil
	}
	return nil, d.syntax("bad literal")
}

// scanNumber reads the text of a number and whether it has a fraction or
// an exponent.
func (d *decoder) scanNumber() ([]byte, bool, error) {
	start := d.i
	if d.b[d.i] == '-' {
		d.i++
	}
	digits := d.i
	for d.i < len(d.b) && d.b[d.i] >= '0' && d.b[d.i] <= '9' {
		d.i++
	}
	if d.i == digits || d.b[digits] == '0' && d.i-digits > 1 {
		return nil, false, d.syntax("bad number")
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
			return nil, false, d.syntax("bad number")
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
			return nil, false, d.syntax("bad number")
		}
	}
	return d.b[start:d.i], isFloat, nil
}

// convNumber converts the text of a number: int64, else uint64, else
// float64.
func (d *decoder) convNumber(s []byte, isFloat bool) (any, error) {
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

// specialBits has the high bit set in (at least) every byte of x that is
// '"', '\\' or below 0x20, and is zero if there is none.
func specialBits(x uint64) uint64 {
	q := x ^ (lsb * '"')
	e := x ^ (lsb * '\\')
	return ((q-lsb)&^q | (e-lsb)&^e | (x-lsb*0x20)&^x) & msb
}

// special reports whether any byte of x is '"', '\\' or below 0x20.
func special(x uint64) bool { return specialBits(x) != 0 }

// scanPlain reports whether p holds a byte below 0x20 (ctl) and whether
// it holds one of 0x80 or above (nonASCII), eight bytes at a time.
func scanPlain(p []byte) (ctl, nonASCII bool) {
	const k = lsb * 0x20
	var c, h uint64
	i := 0
	for ; i+32 <= len(p); i += 32 {
		w := p[i : i+32]
		x0, x1 := binary.LittleEndian.Uint64(w), binary.LittleEndian.Uint64(w[8:])
		x2, x3 := binary.LittleEndian.Uint64(w[16:]), binary.LittleEndian.Uint64(w[24:])
		c |= (x0-k)&^x0 | (x1-k)&^x1 | (x2-k)&^x2 | (x3-k)&^x3
		h |= x0 | x1 | x2 | x3
	}
	for ; i+8 <= len(p); i += 8 {
		x := binary.LittleEndian.Uint64(p[i:])
		c |= (x - k) &^ x // the high bit of a byte below 0x20 is set (exact for any bytes)
		h |= x
	}
	for ; i < len(p); i++ {
		if p[i] < 0x20 {
			c = msb
		}
		h |= uint64(p[i])
	}
	return c&msb != 0, h&msb != 0
}

// plainPrefix returns how many leading bytes of s need no escaping,
// rounded down to whole 8-byte words. It tests 32 bytes per step, four
// independent words at a time.
func plainPrefix(s []byte) int {
	i := 0
	for ; i+32 <= len(s); i += 32 {
		w := s[i : i+32]
		if specialBits(binary.LittleEndian.Uint64(w))|specialBits(binary.LittleEndian.Uint64(w[8:]))|
			specialBits(binary.LittleEndian.Uint64(w[16:]))|specialBits(binary.LittleEndian.Uint64(w[24:])) != 0 {
			break
		}
	}
	for ; i+8 <= len(s); i += 8 {
		if special(binary.LittleEndian.Uint64(s[i:])) {
			break
		}
	}
	return i
}

// str reads a string starting at the opening quote; a dict key (key) may
// come back as a constant from package intern.
func (d *decoder) str(key bool) (string, error) {
	d.i++
	start := d.i
	// Fast path: find the closing quote with the (vectorized) IndexByte;
	// if no backslash comes before it and no control character, the bytes
	// are the string.
	if q := bytes.IndexByte(d.b[start:], '"'); q >= 0 {
		s := d.b[start : start+q]
		if bytes.IndexByte(s, '\\') < 0 {
			ctl, nonASCII := scanPlain(s)
			if !ctl && (!nonASCII || utf8.Valid(s)) {
				d.i = start + q + 1
				if key {
					return intern.Key(s), nil
				}
				return string(s), nil
			}
		}
	}
	d.i += plainPrefix(d.b[d.i:])
	for d.i < len(d.b) {
		c := d.b[d.i]
		if c == '"' {
			s := d.b[start:d.i]
			d.i++
			if !utf8.Valid(s) {
				return "", d.syntax("invalid UTF-8 in string")
			}
			if key {
				return intern.Key(s), nil
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

// appendString copies s whole, then scans the copy (a []byte, read a word
// at a time); only a string that needs escapes is rewritten from its first
// special byte on.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := len(b)
	b = append(b, s...)
	if p := b[start:]; bytes.IndexByte(p, '"') < 0 && bytes.IndexByte(p, '\\') < 0 {
		if ctl, _ := scanPlain(p); !ctl {
			return append(b, '"')
		}
	}
	i := start + plainPrefix(b[start:])
	for ; i < len(b); i++ {
		if c := b[i]; c < 0x20 || c == '"' || c == '\\' {
			break
		}
	}
	if i == len(b) {
		return append(b, '"')
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
	return append(b, '"')
}
