package json

import (
	"bytes"
	"encoding/binary"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/autobahn-go/autobahn/wamp/internal/intern"
)

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
				r = d.pair(r)
			}
			buf = utf8.AppendRune(buf, r)
		default:
			return "", d.syntax("bad escape")
		}
	}
	return "", d.syntax("unterminated string")
}

// pair reads the low surrogate escape that completes hi, just read, and
// returns the rune of the pair. A surrogate without its other half (a
// JavaScript string may hold one, cut in the middle of an emoji, and
// JSON.stringify sends it escaped) decodes to U+FFFD, as with encoding/json;
// an escape after it that does not complete it is left to be read on its
// own.
func (d *decoder) pair(hi rune) rune {
	if len(d.b)-d.i >= 6 && d.b[d.i] == '\\' && d.b[d.i+1] == 'u' {
		i := d.i
		d.i += 2
		if lo, ok := d.hex4(); ok {
			if r := utf16.DecodeRune(hi, lo); r != utf8.RuneError {
				return r
			}
		}
		d.i = i
	}
	return utf8.RuneError
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
