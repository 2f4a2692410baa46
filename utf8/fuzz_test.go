package utf8

import (
	"math/rand/v2"
	"testing"
)

func FuzzValidate(f *testing.F) {
	for _, p := range [][]byte{nil, []byte("hello"), []byte("κόσμε \xf0\x9f\x98\x80"), []byte("\xed\xa0\x80"), []byte("\xf4\x90\x80\x80"), []byte("ab\xe2\x82")} {
		f.Add(p)
	}
	impls := allImpls()
	f.Fuzz(func(t *testing.T, p []byte) {
		want := reference(p)
		check(t, impls, p, want)
		if Valid(p) != want.Valid() {
			t.Fatalf("Valid(% x) = %v", p, !want.Valid())
		}
	})
}

func FuzzValidator(f *testing.F) {
	f.Add([]byte("a\xf0\x9f\x98\x80b"), uint64(1))
	f.Add([]byte("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80edited"), uint64(2))
	f.Fuzz(func(t *testing.T, p []byte, seed uint64) {
		rng := rand.New(rand.NewPCG(seed, 0))
		var cuts []int
		for c := 0; c < len(p); {
			c += rng.IntN(70)
			if c < len(p) {
				cuts = append(cuts, c)
			}
		}
		var v Validator
		checkStream(t, &v, p, reference(p), cuts...)
	})
}
