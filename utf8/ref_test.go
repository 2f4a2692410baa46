package utf8

import (
	"bytes"
	"math/rand/v2"
	stdutf8 "unicode/utf8"
)

// starts1 and starts2 record the first one and two bytes of the encoding of
// every multi-byte code point, as unicode/utf8 encodes them.
var starts1, starts2 = func() (a [256]bool, b [65536]bool) {
	var buf [4]byte
	for r := rune(0x80); r <= stdutf8.MaxRune; r++ {
		if !stdutf8.ValidRune(r) {
			continue
		}
		stdutf8.EncodeRune(buf[:], r)
		a[buf[0]] = true
		b[int(buf[0])<<8|int(buf[1])] = true
	}
	return
}()

// isPrefix reports whether q, the unfinished start of one multi-byte
// sequence, can be completed into a valid encoding. Only the lead and second
// bytes constrain a sequence; the rest need only be continuation bytes.
func isPrefix(q []byte) bool {
	switch len(q) {
	case 1:
		return starts1[q[0]]
	case 2:
		return starts2[int(q[0])<<8|int(q[1])]
	}
	return q[0] >= 0xF0 && starts2[int(q[0])<<8|int(q[1])] && q[2]&0xC0 == 0x80
}

// reference is a slow, obviously correct Validate built on unicode/utf8.
func reference(p []byte) Result {
	ascii := true
	for i := 0; i < len(p); {
		if p[i] < 0x80 {
			i++
			continue
		}
		ascii = false
		r, size := stdutf8.DecodeRune(p[i:])
		if r != stdutf8.RuneError || size > 1 {
			i += size
			continue
		}
		k := 0
		for k < 3 && i+k < len(p) && isPrefix(p[i:i+k+1]) {
			k++
		}
		return Result{Kind: Invalid, Offset: i + k}
	}
	if ascii {
		return Result{Kind: ASCII, Offset: len(p)}
	}
	return Result{Kind: UTF8, Offset: len(p)}
}

// corrupt breaks valid text at a random place in one of the ways UTF-8
// breaks.
func corrupt(rng *rand.Rand, p []byte) []byte {
	if len(p) == 0 {
		return append(p, 0x80)
	}
	i := rng.IntN(len(p))
	bad := [][]byte{
		{0x80}, {0xBF}, {0xC0, 0x80}, {0xC1, 0xBF}, {0xE0, 0x80, 0x80}, {0xED, 0xA0, 0x80},
		{0xF0, 0x80, 0x80, 0x80}, {0xF4, 0x90, 0x80, 0x80}, {0xF5, 0x80, 0x80, 0x80}, {0xFF},
		{0xC2}, {0xE1, 0x80}, {0xF1, 0x80, 0x80}, {0xE1, 0x41}, {0xF8, 0x88, 0x80, 0x80, 0x80},
	}
	switch rng.IntN(3) {
	case 0: // overwrite one byte
		p[i] = byte(rng.IntN(256))
		return p
	case 1: // truncate inside the text
		return p[:i]
	default: // insert a bad sequence
		b := bad[rng.IntN(len(bad))]
		return append(p[:i], append(bytes.Clone(b), p[i:]...)...)
	}
}
