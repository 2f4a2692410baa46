package utf8

import (
	"bytes"
	"math/rand/v2"
	"testing"
	stdutf8 "unicode/utf8"

	"github.com/autobahn-go/autobahn/internal/testtext"
)

// review18Seqs are placed in ASCII text by TestReview18ASCIIThenSequence:
// valid sequences of each length, bytes that break at once, forbidden
// forms, and one that the text ends or breaks inside of.
var review18Seqs = []string{
	"é", "€", "😀", "\x80", "\xff", "\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82",
}

// TestReview18ASCIIThenSequence checks Valid and Validate, through the
// dispatch and its ASCII scan before the kernel, on ASCII text of every
// length up to well past the scan's limit with one sequence at every
// position: the first byte that is not ASCII at every offset of the 8- and
// 32-byte words, the kernel started before it, at it, or after the scan.
func TestReview18ASCIIThenSequence(t *testing.T) {
	const maxLen = 200
	type input struct {
		p    []byte
		want Result
	}
	var inputs []input
	for n := 0; n <= maxLen; n++ {
		for _, s := range review18Seqs {
			seq := []byte(s)
			r := reference(seq)
			for k := 0; k+len(seq) <= n; k++ {
				p := bytes.Repeat([]byte{'a'}, n)
				copy(p[k:], seq)
				inputs = append(inputs, input{p, shifted(seq, r, k, n-k-len(seq))})
			}
		}
	}
	nvxtestEach(t, func(t *testing.T) {
		for _, in := range inputs {
			if got := Validate(in.p); got != in.want {
				t.Fatalf("Validate(%q) = %+v, want %+v", in.p, got, in.want)
			}
			if got := Valid(in.p); got != in.want.Valid() {
				t.Fatalf("Valid(%q) = %v", in.p, got)
			}
		}
	})
}

// TestReview18ASCIIThenText checks the dispatch on ASCII text of length k
// followed by text of other kinds (and that text broken), for every total
// length n up to past the ASCII scan's limit and every third k in 0..n.
func TestReview18ASCIIThenText(t *testing.T) {
	const maxLen = 200
	rng := rand.New(rand.NewPCG(18, 2))
	var inputs [][]byte
	for _, kind := range []string{"latin", "cjk", "emoji", "mixed"} {
		text := testtext.About(rng, kind, maxLen)
		for n := 0; n <= maxLen; n++ {
			for k := n % 3; k <= n; k += 3 { // every k mod 32 over the lengths
				p := append(bytes.Repeat([]byte{'a'}, k), text[:n-k]...)
				inputs = append(inputs, p)
				if (n+k)%3 == 0 && k < n {
					q := bytes.Clone(p)
					q[k+rng.IntN(n-k)] = 0xC1
					inputs = append(inputs, q)
				}
			}
		}
	}
	wants := make([]Result, len(inputs))
	for i, p := range inputs {
		wants[i] = reference(p)
	}
	nvxtestEach(t, func(t *testing.T) {
		for i, p := range inputs {
			if got := Validate(p); got != wants[i] {
				t.Fatalf("Validate(% x) = %+v, want %+v", p, got, wants[i])
			}
			if got := Valid(p); got != stdutf8.Valid(p) {
				t.Fatalf("Valid(% x) = %v", p, got)
			}
		}
	})
}
