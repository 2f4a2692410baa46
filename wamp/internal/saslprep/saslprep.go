// Package saslprep prepares user names and passwords with SASLprep
// (RFC 4013, the "SASLprep" profile of stringprep, RFC 3454) for
// WAMP-SCRAM, the way Autobahn|Python does (passlib.utils.saslprep).
//
// The profile is github.com/xdg-go/stringprep's (as in the MongoDB Go
// driver) with two additions: U+1806 MONGOLIAN TODO SOFT HYPHEN, which
// RFC 3454 table B.1 maps to nothing but the library's copy of B.1 omits
// (found by the differential test against passlib over every code point),
// is removed here; and invalid UTF-8 is an error (the library would
// silently turn it into U+FFFD).
//
// Like passlib, normalization is the NFKC of a current Unicode version
// (golang.org/x/text's) rather than Unicode 3.2's: a code point unassigned
// in Unicode 3.2 whose newer compatibility decomposition is assigned
// (U+1F100 → "0.") is accepted in its decomposed form. The two differ only
// on code points newer than the Python's Unicode database (Go 1.26 with
// Debian 12's Python: the 59 of U+1E030..U+1E06D, Unicode 15).
package saslprep

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/xdg-go/stringprep"
)

// ErrInvalidUTF8 is returned for input that is not valid UTF-8.
var ErrInvalidUTF8 = errors.New("saslprep: invalid UTF-8")

// Error reports a string that SASLprep prohibits.
type Error struct {
	Rune   rune   // the offending code point (after mapping and NFKC)
	Reason string // e.g. "prohibited character", a bidi rule
}

func (e *Error) Error() string {
	return fmt.Sprintf("saslprep: %s: %U", e.Reason, e.Rune)
}

// Prepare returns SASLprep(s) in stored-strings mode: unassigned code
// points (Unicode 3.2) are prohibited, as RFC 4013 §2.5 asks for stored
// user names and passwords.
func Prepare(s string) (string, error) {
	if !utf8.ValidString(s) {
		return "", ErrInvalidUTF8
	}
	// RFC 3454 B.1: U+1806 is mapped to nothing (missing from the library's table).
	out, err := stringprep.SASLprep.Prepare(strings.ReplaceAll(s, "\u1806", ""))
	if err != nil {
		var se stringprep.Error
		if errors.As(err, &se) {
			return "", &Error{Rune: se.Rune, Reason: se.Msg}
		}
		return "", fmt.Errorf("saslprep: %w", err)
	}
	return out, nil
}
