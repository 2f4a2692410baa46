package utf8

import (
	"math/rand/v2"
	"testing"
	stdutf8 "unicode/utf8"

	"github.com/autobahn-go/autobahn/internal/nvxtest"
	"github.com/autobahn-go/autobahn/internal/testtext"
)

// TestReview16PublicGuardPages runs the public entry points (Valid,
// Validate and a Validator fed in two pieces) under every implementation
// the dispatch can select, on inputs of every length 0..300 flush against
// PROT_NONE pages on either side, with the input ending inside a sequence
// and breaking at its first byte.
func TestReview16PublicGuardPages(t *testing.T) {
	const maxLen = 300
	rng := rand.New(rand.NewPCG(16, 1))
	type buf struct{ after, before []byte }
	bufs := make([]buf, maxLen+1)
	for n := range bufs {
		bufs[n].after, bufs[n].before = nvxtest.Guarded(t, n)
	}
	texts := map[string][]byte{}
	for _, kind := range []string{"ascii", "mixed", "emoji", "cjk"} {
		texts[kind] = testtext.About(rng, kind, maxLen)[:maxLen]
	}
	nvxtestEach(t, func(t *testing.T) {
		for n := 0; n <= maxLen; n++ {
			for _, text := range texts {
				for _, p := range [][]byte{bufs[n].after, bufs[n].before} {
					copy(p, text)
					checkPublic(t, p)
					if n > 0 {
						p[n-1] = 0xF0 // ends inside a sequence
						checkPublic(t, p)
						p[0] = 0xBF // fails at once
						checkPublic(t, p)
					}
				}
			}
		}
	})
}

func checkPublic(t *testing.T, p []byte) {
	t.Helper()
	want := reference(p)
	if got := Validate(p); got != want {
		t.Fatalf("Validate(% x) = %+v, want %+v", p, got, want)
	}
	if got := Valid(p); got != stdutf8.Valid(p) {
		t.Fatalf("Valid(% x) = %v", p, got)
	}
	var v Validator
	half := len(p) / 2
	if ok := v.Write(p[:half]) && v.Write(p[half:]) && v.Done(); ok != want.Valid() {
		t.Fatalf("Validator(% x) = %v, want %v", p, ok, want.Valid())
	}
}
