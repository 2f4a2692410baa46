package json

import (
	"encoding/base64"
	"errors"
	"math"
	"strconv"
)

// decoder reads the JSON text b from offset i.
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
// float64. A number beyond float64's range (such as 1e400, or an integer
// of 310 digits) is refused: it would decode to an infinity, which JSON
// cannot carry on (our encoder refuses it, UBJSON writes null), so the
// message would reach JSON subscribers and callees not at all. One too
// small for float64 decodes to zero.
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
	if errors.Is(err, strconv.ErrRange) {
		return nil, d.syntax("number beyond float64's range")
	}
	if err != nil {
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
