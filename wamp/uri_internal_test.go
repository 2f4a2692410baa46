package wamp

import "testing"

// FuzzValidURI checks the ASCII fast path of ValidURI against the general
// rune-by-rune rules.
func FuzzValidURI(f *testing.F) {
	for _, s := range []string{"com.example.proc", "com..proc", "com.", ".com", ".", "a#b", "a b", "a\tb", "A_1.b-2", "a\vb", "ñ.ü", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if s == "" {
			return
		}
		for _, strict := range []bool{false, true} {
			for _, match := range []string{MatchExact, MatchPrefix, MatchWildcard} {
				if got, want := ValidURI(URI(s), strict, match), validURIUnicode(s, strict, match); got != want {
					t.Fatalf("ValidURI(%q, %v, %q) = %v, general rules say %v", s, strict, match, got, want)
				}
			}
		}
	})
}
