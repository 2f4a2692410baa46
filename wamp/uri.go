package wamp

import (
	"strings"
	"unicode/utf8"
)

// URI names topics, procedures, errors and realms (WAMP spec, "URIs").
type URI string

// Match policies for pattern-based subscriptions and registrations.
const (
	MatchExact    = "exact"
	MatchPrefix   = "prefix"
	MatchWildcard = "wildcard"
)

// ValidURI reports whether u is a valid URI under the rules of the WAMP
// spec, section "URIs". Loose rules (strict == false) allow any component
// without whitespace, '.' or '#'; strict rules allow only [0-9a-z_]. With
// match == MatchWildcard, empty components are allowed (they are the
// wildcards); with MatchPrefix the last component may be empty. Any other
// match value applies the exact rules, where no component may be empty.
func ValidURI(u URI, strict bool, match string) bool {
	s := string(u)
	if s == "" {
		return match == MatchWildcard
	}
	// One pass over the bytes for ASCII URIs, the usual kind.
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 0x80:
			return validURIUnicode(s, strict, match)
		case c == '.':
			if i == start && match != MatchWildcard {
				return false
			}
			start = i + 1
		case strict:
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
				return false
			}
		case c == '#' || c == ' ' || c >= '\t' && c <= '\r' || c >= 0x1c && c <= 0x1f:
			return false
		}
	}
	return start < len(s) || match == MatchWildcard || match == MatchPrefix
}

// validURIUnicode is ValidURI for URIs with non-ASCII bytes.
func validURIUnicode(s string, strict bool, match string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	n := strings.Count(s, ".") + 1
	i := 0
	for comp := range strings.SplitSeq(s, ".") {
		i++
		if comp == "" {
			switch {
			case match == MatchWildcard:
			case match == MatchPrefix && i == n:
			default:
				return false
			}
			continue
		}
		if !validComponent(comp, strict) {
			return false
		}
	}
	return true
}

func validComponent(c string, strict bool) bool {
	for _, r := range c {
		if strict {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
				return false
			}
			continue
		}
		switch r {
		case '#', ' ', '\t', '\n', '\r', '\f', '\v', 0x1c, 0x1d, 0x1e, 0x1f, 0x85, 0xA0:
			return false
		}
		if r > 0xA0 && isSpace(r) {
			return false
		}
	}
	return true
}

// isSpace matches the whitespace above U+00A0 that Python's \s (and so
// the spec's loose URI pattern in Autobahn) matches; validComponent lists
// the rest (str.isspace: \t-\r, U+001C-U+001F, space, U+0085, U+00A0).
func isSpace(r rune) bool {
	switch r {
	case 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
		return true
	}
	return r >= 0x2000 && r <= 0x200A
}
