package wamp_test

import (
	"testing"
	"unicode/utf8"

	"github.com/autobahn-go/autobahn/wamp"
)

// pythonSpace is every code point for which Python 3's str.isspace is
// true, the whitespace that \s matches in the loose URI pattern
// ^([^\s\.#]+\.)*([^\s\.#]+)$ Autobahn|Python checks URIs with.
var pythonSpace = []rune{
	0x9, 0xa, 0xb, 0xc, 0xd, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680,
	0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a,
	0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
}

// Loose URI rules refuse exactly Python's whitespace in a component. The
// information separators U+001C-U+001F (whitespace to Python) were let
// through: "com.a\x1fb" was a valid procedure to our router and not to
// Crossbar.
func TestReview14bLooseURIWhitespaceIsPythons(t *testing.T) {
	space := map[rune]bool{}
	for _, r := range pythonSpace {
		space[r] = true
	}
	for r := rune(0); r <= 0xffff; r++ { // Python's whitespace is all in the BMP
		if !utf8.ValidRune(r) || r == '.' || r == '#' {
			continue
		}
		c := string(r)
		for _, u := range []string{"com.a" + c + "b", "com." + c, c + ".x", "é" + c} {
			if got := wamp.ValidURI(wamp.URI(u), false, wamp.MatchExact); got == space[r] {
				t.Errorf("ValidURI(%q) = %v; U+%04X is whitespace to Python: %v", u, got, r, space[r])
			}
		}
	}
}
