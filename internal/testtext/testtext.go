// Package testtext generates valid UTF-8 text of several kinds for the
// utf8 package's tests and for the benchmarks that compare it with its peers.
package testtext

import (
	"math/rand/v2"
	"unicode/utf8"
)

// Kinds lists the kinds of text, from cheapest to dearest to validate:
// ASCII, Latin (mostly ASCII, some 2-byte), CJK (3-byte), emoji (4-byte) and
// mixed (random code points of every length).
var Kinds = []string{"ascii", "latin", "cjk", "emoji", "mixed"}

var (
	latinRunes = []rune("abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ.,;'-éèêàâçôûüöäßÉÀœ")
	cjkRunes   = []rune("日本語の文章は漢字と仮名で書かれる中文字符验证한국어")
)

// Rune returns a random code point of the given kind ("mixed" for any other
// name). It never returns a surrogate.
func Rune(rng *rand.Rand, kind string) rune {
	switch kind {
	case "ascii":
		return rune(0x20 + rng.IntN(0x5F))
	case "latin":
		if rng.IntN(8) == 0 {
			return latinRunes[52+rng.IntN(len(latinRunes)-52)]
		}
		return latinRunes[rng.IntN(52)]
	case "cjk":
		r := cjkRunes[rng.IntN(len(cjkRunes))]
		if rng.IntN(10) == 0 {
			r = ' '
		}
		return r
	case "emoji":
		return rune(0x1F300 + rng.IntN(0x300))
	}
	switch rng.IntN(4) {
	case 0:
		return rune(rng.IntN(0x80))
	case 1:
		return rune(0x80 + rng.IntN(0x800-0x80))
	case 2:
		r := rune(0x800 + rng.IntN(0x10000-0x800))
		if r >= 0xD800 && r <= 0xDFFF {
			r -= 0x800
		}
		return r
	}
	return rune(0x10000 + rng.IntN(0x110000-0x10000))
}

// About returns at least n bytes (at most n+3) of valid text of the kind:
// whole characters until n is reached.
func About(rng *rand.Rand, kind string, n int) []byte {
	out := make([]byte, 0, n+4)
	for len(out) < n {
		out = utf8.AppendRune(out, Rune(rng, kind))
	}
	return out
}

// Exactly returns exactly n bytes of valid text of the kind: whole
// characters while they fit, then spaces.
func Exactly(rng *rand.Rand, kind string, n int) []byte {
	out := make([]byte, 0, n+4)
	for {
		r := Rune(rng, kind)
		if len(out)+utf8.RuneLen(r) > n {
			break
		}
		out = utf8.AppendRune(out, r)
	}
	for len(out) < n {
		out = append(out, ' ')
	}
	return out
}
