package utf8

import "math/bits"

// Kind classifies an input validated by [Validate].
type Kind uint8

const (
	// Invalid input is not valid UTF-8: Result.Offset says where it breaks.
	Invalid Kind = iota
	// ASCII input holds only bytes below 0x80 (the empty input is ASCII).
	ASCII
	// UTF8 input is valid UTF-8 with at least one multi-byte sequence.
	UTF8
)

// String returns "invalid", "ascii" or "utf8".
func (k Kind) String() string {
	switch k {
	case ASCII:
		return "ascii"
	case UTF8:
		return "utf8"
	}
	return "invalid"
}

// Result is the verdict of [Validate].
type Result struct {
	Kind Kind
	// Offset is, for invalid input, the length of the longest prefix of the
	// input that can still be the start of valid UTF-8: the index of the first
	// byte that no valid text could hold at that place, or len(p) when the
	// input only ends inside a multi-byte sequence. It is len(p) for valid
	// input.
	Offset int
}

// Valid reports whether the result is ASCII or UTF8.
func (r Result) Valid() bool { return r.Kind != Invalid }

// Truncated reports whether the input is invalid only because it ends inside
// a multi-byte sequence, that is whether more bytes could still make it valid.
func (r Result) Truncated(p []byte) bool { return r.Kind == Invalid && r.Offset == len(p) }

// Valid reports whether p is entirely valid UTF-8 (RFC 3629: no overlong
// forms, no surrogates U+D800–U+DFFF, nothing above U+10FFFF).
func Valid(p []byte) bool { return valid(p) }

// Validate tells whether p is ASCII, valid UTF-8 or invalid, and for invalid
// input the offset of the first byte at which p stops being a valid prefix.
func Validate(p []byte) Result { return validate(p) }

// seqInfo describes a lead byte: the sequence length in the low nibble (0 for
// a byte that cannot start a sequence) and the index of the accepted range of
// the second byte in the high nibble.
var seqInfo = [256]uint8{}

// secondLo and secondHi bound the second byte of a multi-byte sequence: the
// plain continuation range, and the narrower ones that exclude overlong
// forms (E0, F0), surrogates (ED) and code points above U+10FFFF (F4).
var (
	secondLo = [8]uint8{0x80, 0xA0, 0x80, 0x90, 0x80} // 8 entries: r&7 needs no bounds check
	secondHi = [8]uint8{0xBF, 0xBF, 0x9F, 0xBF, 0x8F}
)

func init() {
	for b := 0; b < 256; b++ {
		var n, r uint8
		switch {
		case b < 0x80:
			n = 1
		case b >= 0xC2 && b <= 0xDF:
			n = 2
		case b == 0xE0:
			n, r = 3, 1
		case b == 0xED:
			n, r = 3, 2
		case b >= 0xE1 && b <= 0xEF:
			n = 3
		case b == 0xF0:
			n, r = 4, 3
		case b == 0xF4:
			n, r = 4, 4
		case b >= 0xF1 && b <= 0xF3:
			n = 4
		}
		seqInfo[b] = r<<4 | n
	}
}

const hiBits = 0x8080808080808080

func load64(p []byte) uint64 {
	_ = p[7]
	return uint64(p[0]) | uint64(p[1])<<8 | uint64(p[2])<<16 | uint64(p[3])<<24 |
		uint64(p[4])<<32 | uint64(p[5])<<40 | uint64(p[6])<<48 | uint64(p[7])<<56
}

// validateGeneric is the pure-Go implementation: it skips ASCII 16 and 8
// bytes at a time and checks multi-byte sequences one at a time against the
// lead-byte table.
func validateGeneric(p []byte) Result {
	ascii := true
	i := 0
	n := len(p)
	for {
		// ASCII run: 16, then 8 bytes at a time.
		for i+16 <= n {
			w := load64(p[i:]) | load64(p[i+8:])
			if w&hiBits != 0 {
				break
			}
			i += 16
		}
		if i+8 <= n {
			if w := load64(p[i:]) & hiBits; w == 0 {
				i += 8
			} else {
				i += bits.TrailingZeros64(w) >> 3
			}
		}
		// Multi-byte sequences, and ASCII until the next aligned run.
		for i < n {
			b := p[i]
			if b < 0x80 {
				i++
				if i+8 <= n && load64(p[i:])&hiBits == 0 {
					break
				}
				continue
			}
			ascii = false
			info := seqInfo[b]
			size := int(info & 7)
			if size == 0 {
				return Result{Kind: Invalid, Offset: i}
			}
			if i+1 >= n {
				return Result{Kind: Invalid, Offset: n}
			}
			r := info >> 4
			if c := p[i+1]; c < secondLo[r&7] || c > secondHi[r&7] {
				return Result{Kind: Invalid, Offset: i + 1}
			}
			if size >= 3 {
				if i+2 >= n {
					return Result{Kind: Invalid, Offset: n}
				}
				if p[i+2]&0xC0 != 0x80 {
					return Result{Kind: Invalid, Offset: i + 2}
				}
				if size == 4 {
					if i+3 >= n {
						return Result{Kind: Invalid, Offset: n}
					}
					if p[i+3]&0xC0 != 0x80 {
						return Result{Kind: Invalid, Offset: i + 3}
					}
				}
			}
			i += size
		}
		if i >= n {
			break
		}
	}
	if ascii {
		return Result{Kind: ASCII, Offset: n}
	}
	return Result{Kind: UTF8, Offset: n}
}
