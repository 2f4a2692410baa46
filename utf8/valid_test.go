package utf8

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
	stdutf8 "unicode/utf8"

	"github.com/autobahn-go/autobahn/internal/nvxtest"
	"github.com/autobahn-go/autobahn/internal/testtext"
)

func TestDispatch(t *testing.T) {
	nvxtest.CheckRequired(t, "utf8")
}

// implNames returns the implementations this CPU can run, sorted.
func implNames() []string {
	var names []string
	for name := range implementations() {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// check compares every implementation with want on p.
func check(t *testing.T, impls []impl, p []byte, want Result) {
	for _, im := range impls {
		if got := im.f(p); got != want {
			t.Helper()
			t.Fatalf("%s(% x) = %+v, want %+v", im.name, p, got, want)
		}
	}
}

type impl struct {
	name string
	f    func([]byte) Result
}

// allImpls returns the implementations this CPU can run, in a stable order.
func allImpls() []impl {
	var out []impl
	for _, name := range implNames() {
		out = append(out, impl{name, implementations()[name]})
	}
	return out
}

func TestTable(t *testing.T) {
	tests := []struct {
		in   string
		want Result
	}{
		{"", Result{ASCII, 0}},
		{"hello", Result{ASCII, 5}},
		{"héllo", Result{UTF8, 6}},
		{"\xc0\x80", Result{Invalid, 0}},
		{"a\xc1", Result{Invalid, 1}},
		{"a\xc2", Result{Invalid, 2}},
		{"a\xc2a", Result{Invalid, 2}},
		{"\xe0\x80\x80", Result{Invalid, 1}},
		{"\xe0\xa0\x80", Result{UTF8, 3}},
		{"\xed\x9f\xbf", Result{UTF8, 3}},
		{"\xed\xa0\x80", Result{Invalid, 1}},
		{"\xf0\x8f\xbf\xbf", Result{Invalid, 1}},
		{"\xf0\x90\x80\x80", Result{UTF8, 4}},
		{"\xf4\x8f\xbf\xbf", Result{UTF8, 4}},
		{"\xf4\x90\x80\x80", Result{Invalid, 1}},
		{"\xf5\x80\x80\x80", Result{Invalid, 0}},
		{"\xf1\x80\x80", Result{Invalid, 3}},
		{"\xf1\x80\x80a", Result{Invalid, 3}},
		{"\x80", Result{Invalid, 0}},
		{"a\xbf", Result{Invalid, 1}},
		{"\xef\xbf\xbd", Result{UTF8, 3}}, // U+FFFD itself
		{"\xff", Result{Invalid, 0}},
	}
	impls := allImpls()
	for _, tt := range tests {
		if got := reference([]byte(tt.in)); got != tt.want {
			t.Errorf("reference(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
		check(t, impls, []byte(tt.in), tt.want)
		if got := Validate([]byte(tt.in)); got != tt.want {
			t.Errorf("Validate(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
		if Valid([]byte(tt.in)) != tt.want.Valid() {
			t.Errorf("Valid(%q) = %v", tt.in, !tt.want.Valid())
		}
	}
}

// shifted returns the result expected for seq placed after pre ASCII bytes
// and followed by post ASCII bytes, given its result alone.
func shifted(seq []byte, r Result, pre, post int) Result {
	switch {
	case r.Kind == ASCII:
		return Result{ASCII, pre + len(seq) + post}
	case r.Kind == UTF8:
		return Result{UTF8, pre + len(seq) + post}
	}
	return Result{Invalid, pre + r.Offset}
}

// TestExhaustive checks every 1-, 2- and 3-byte input, alone and placed
// across a block boundary.
func TestExhaustive(t *testing.T) {
	impls := allImpls()
	buf := bytes.Repeat([]byte{'a'}, 128)
	step := 1
	switch {
	case testing.Short():
		step = 7 // still every lead byte, and a spread of the rest
	case raceEnabled:
		step = 3
	}
	var seq [3]byte
	try := func(p []byte) {
		want := reference(p)
		check(t, impls, p, want)
		pre := 62 - len(p)/2
		copy(buf[pre:], p)
		check(t, impls, buf[:pre+len(p)+1], shifted(p, want, pre, 1))
		copy(buf[pre:], "aaaa")
	}
	for a := 0; a < 256; a++ {
		seq[0] = byte(a)
		try(seq[:1])
		for b := 0; b < 256; b++ {
			seq[1] = byte(b)
			try(seq[:2])
			if a < 0x80 && b < 0x80 {
				continue // two ASCII bytes: the third alone is covered above
			}
			for c := (a + b) % step; c < 256; c += step {
				seq[2] = byte(c)
				try(seq[:3])
			}
		}
	}
}

// TestFourByte checks structured 4-byte sets: every lead and second byte
// with third and fourth bytes at the edges of the byte classes.
func TestFourByte(t *testing.T) {
	impls := allImpls()
	edges := []byte{0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC2, 0xDF, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF}
	leads := []int{}
	for a := 0x80; a < 256; a++ {
		if !testing.Short() || a >= 0xE0 || a%5 == 0 {
			leads = append(leads, a)
		}
	}
	var seq [4]byte
	for _, a := range leads {
		seq[0] = byte(a)
		for b := 0; b < 256; b++ {
			if testing.Short() && b%3 != 0 && (b < 0x7E || b > 0xC2) {
				continue
			}
			seq[1] = byte(b)
			for _, c := range edges {
				seq[2] = c
				for _, d := range edges {
					seq[3] = d
					check(t, impls, seq[:], reference(seq[:]))
				}
			}
		}
	}
}

// TestCodePoints checks every code point, including the surrogates encoded
// as if they were allowed (CESU-style) and values past U+10FFFF.
func TestCodePoints(t *testing.T) {
	impls := allImpls()
	step := 1
	if testing.Short() {
		step = 97
	}
	for r := rune(0); r < 0x140000; r += rune(step) {
		p := encodeAny(r)
		want := Result{UTF8, len(p)}
		if r < 0x80 {
			want.Kind = ASCII
		}
		if (r >= 0xD800 && r <= 0xDFFF) || r > 0x10FFFF {
			want = Result{Invalid, 1}
			if r > 0x13FFFF {
				want.Offset = 0
			}
		}
		if r > 0x10FFFF && r < 0x140000 {
			want = Result{Invalid, 1} // F4 90.. and above
		}
		check(t, impls, p, want)
		// Overlong forms of the same value.
		if r < 0x800 {
			over := []byte{0xE0 | byte(r>>12), 0x80 | byte(r>>6)&0x3F, 0x80 | byte(r)&0x3F}
			check(t, impls, over, reference(over))
			if got := reference(over); got.Kind != Invalid {
				t.Fatalf("overlong % x accepted by reference", over)
			}
		}
	}
}

// encodeAny encodes r the UTF-8 way even where UTF-8 forbids it.
func encodeAny(r rune) []byte {
	switch {
	case r < 0x80:
		return []byte{byte(r)}
	case r < 0x800:
		return []byte{0xC0 | byte(r>>6), 0x80 | byte(r)&0x3F}
	case r < 0x10000:
		return []byte{0xE0 | byte(r>>12), 0x80 | byte(r>>6)&0x3F, 0x80 | byte(r)&0x3F}
	}
	return []byte{0xF0 | byte(r>>18), 0x80 | byte(r>>12)&0x3F, 0x80 | byte(r>>6)&0x3F, 0x80 | byte(r)&0x3F}
}

// TestDifferential compares every implementation with the reference on
// random and nearly valid inputs of every length 0..1024 at every start
// offset 0..63, with hostile bytes around the input.
func TestDifferential(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	impls := allImpls()
	maxLen, offStep := 1024, 1
	if testing.Short() {
		maxLen, offStep = 300, 9
	}
	arena := make([]byte, 64+maxLen+64)
	kinds := []string{"ascii", "latin", "cjk", "emoji", "mixed"}
	for n := 0; n <= maxLen; n++ {
		for off := n % offStep; off < 64; off += offStep {
			var p []byte
			switch (n + off) % 4 {
			case 0:
				p = make([]byte, n)
				for i := range p {
					p[i] = byte(rng.Uint32())
				}
			case 1:
				p = testtext.About(rng, kinds[(n+off)%len(kinds)], n)[:n]
			default:
				p = corrupt(rng, testtext.About(rng, kinds[off%len(kinds)], n))
				if len(p) > n {
					p = p[:n]
				}
			}
			for i := range arena {
				arena[i] = []byte{0xF0, 0xE1, 0x80, 0xC3}[i%4]
			}
			q := arena[off : off+copy(arena[off:], p) : off+len(p)]
			check(t, impls, q, reference(q))
		}
	}
}

// TestForEachImpl runs the public API under every implementation through
// the nvx registry, as the dispatch sees it.
func TestForEachImpl(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var inputs [][]byte
	for _, n := range []int{0, 1, 15, 16, 31, 32, 33, 63, 64, 65, 127, 128, 129, 200, 1000, 5000} {
		for _, kind := range []string{"ascii", "latin", "cjk", "emoji", "mixed"} {
			inputs = append(inputs, testtext.About(rng, kind, n), corrupt(rng, testtext.About(rng, kind, n)))
		}
	}
	nvxtest.ForEachImpl(t, "utf8", func(t *testing.T) {
		for _, p := range inputs {
			want := reference(p)
			if got := Validate(p); got != want {
				t.Fatalf("Validate(% x) = %+v, want %+v", p, got, want)
			}
			if got := Valid(p); got != stdutf8.Valid(p) {
				t.Fatalf("Valid(% x) = %v", p, got)
			}
			var v Validator
			ok := v.Write(p[:len(p)/2]) && v.Write(p[len(p)/2:]) && v.Done()
			if ok != want.Valid() {
				t.Fatalf("Validator(% x) = %v", p, ok)
			}
		}
	})
}

// TestPublicShort checks Valid and Validate, through the dispatch and its
// short-input paths, on every input of up to 64 bytes that holds one
// non-ASCII byte, under every implementation.
func TestPublicShort(t *testing.T) {
	nvxtestEach(t, func(t *testing.T) {
		buf := make([]byte, 64)
		for n := 0; n <= len(buf); n++ {
			p := buf[:n]
			for i := range p {
				p[i] = 'a'
			}
			if got := Validate(p); got != (Result{ASCII, n}) {
				t.Fatalf("Validate(%q) = %+v", p, got)
			}
			for i := range p {
				for _, b := range []byte{0x80, 0xC3, 0xE2, 0xF0, 0xFF} {
					p[i] = b
					want := reference(p)
					if got := Validate(p); got != want {
						t.Fatalf("Validate(% x) = %+v, want %+v", p, got, want)
					}
					if Valid(p) != want.Valid() {
						t.Fatalf("Valid(% x) = %v", p, !want.Valid())
					}
				}
				p[i] = 'a'
			}
		}
	})
}

// TestGuardPages puts inputs flush against PROT_NONE pages: a kernel that
// reads one byte before or after its input crashes.
func TestGuardPages(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	impls := allImpls()
	sizes := []int{4096, 4097, 65536}
	for n := 0; n <= 300; n++ {
		sizes = append(sizes, n)
	}
	for _, n := range sizes {
		a, b := nvxtest.Guarded(t, n)
		for _, kind := range []string{"ascii", "mixed", "emoji"} {
			text := testtext.About(rng, kind, n)[:n]
			for _, buf := range [][]byte{a, b} {
				copy(buf, text)
				check(t, impls, buf, reference(buf))
				if n > 0 {
					buf[n-1] = 0xF0 // ends inside a sequence
					check(t, impls, buf, reference(buf))
					buf[0] = 0xBF // fails at once
					check(t, impls, buf, reference(buf))
				}
			}
		}
	}
}

func TestKindString(t *testing.T) {
	for k, want := range map[Kind]string{Invalid: "invalid", ASCII: "ascii", UTF8: "utf8"} {
		if got := fmt.Sprint(k); got != want {
			t.Errorf("Kind(%d) = %q, want %q", k, got, want)
		}
	}
	if r := Validate([]byte("a\xe2\x82")); !r.Truncated([]byte("a\xe2\x82")) {
		t.Errorf("Truncated false for %+v", r)
	}
}

// nvxtestEach runs f under every implementation through the registry.
func nvxtestEach(t *testing.T, f func(t *testing.T)) { nvxtest.ForEachImpl(t, "utf8", f) }

// TestBlockBoundaries places structured 4-byte sequences across the block
// boundaries of the kernels (inside a 256-byte step and between two), where
// sequences are carried from one vector to the next.
func TestBlockBoundaries(t *testing.T) {
	impls := allImpls()
	leads := []byte{0x41, 0x80, 0xC0, 0xC2, 0xDF, 0xE0, 0xE1, 0xED, 0xEF, 0xF0, 0xF1, 0xF4, 0xF5, 0xFF}
	edges := []byte{0x41, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC2, 0xE1, 0xF1}
	bounds := []int{64, 192, 256, 512, 576}
	if testing.Short() {
		edges = []byte{0x41, 0x80, 0x9F, 0xA0, 0xBF, 0xE1}
		bounds = []int{192, 256}
	}
	text := bytes.Repeat([]byte("é"), 400) // valid 2-byte text, 800 bytes
	buf := make([]byte, len(text))
	var seq [4]byte
	for _, a := range leads {
		seq[0] = a
		for _, b := range edges {
			seq[1] = b
			for _, c := range edges {
				seq[2] = c
				for _, d := range edges {
					seq[3] = d
					for _, bound := range bounds {
						for at := bound - 3; at <= bound; at++ {
							copy(buf, text)
							if at%2 == 1 { // keep the text around seq whole
								buf[at-1], buf[at+6] = 'a', 'c'
							}
							copy(buf[at:], seq[:])
							buf[at+4], buf[at+5] = 'a', 'b'
							check(t, impls, buf, reference(buf))
							check(t, impls, buf[:at+6], reference(buf[:at+6]))
						}
					}
				}
			}
		}
	}
}
