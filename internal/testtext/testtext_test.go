package testtext

import (
	"math/rand/v2"
	"testing"
	"unicode/utf8"
)

func TestValidAndSized(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, kind := range Kinds {
		for _, n := range []int{0, 1, 3, 16, 125, 4096} {
			a, e := About(rng, kind, n), Exactly(rng, kind, n)
			if !utf8.Valid(a) || !utf8.Valid(e) {
				t.Fatalf("%s/%d: invalid text", kind, n)
			}
			if len(a) < n || len(a) > n+3 || len(e) != n {
				t.Fatalf("%s/%d: lengths %d and %d", kind, n, len(a), len(e))
			}
		}
	}
}
