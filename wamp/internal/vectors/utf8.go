package vectors

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/autobahn-go/autobahn/wamp"
)

// InvalidUTF8 holds strings that are not UTF-8 (a stray byte, a cut
// sequence, a surrogate half, a cut emoji after ASCII), which a text
// serializer must refuse wherever they sit.
var InvalidUTF8 = []string{"\xff", "a\xffb", "\xc3", "é\xc3(", "\xed\xa0\x80", strings.Repeat("x", 40) + "\xf0\x9f\x98"}

// CheckInvalidUTF8Refused checks that s refuses each InvalidUTF8 string,
// and each of extra, in an argument, a nested list, a dict key, a nested dict, an option's
// string list, a URI, a reason and a plain field, with an error matching
// sentinel that names UTF-8.
func CheckInvalidUTF8Refused(t *testing.T, s wamp.Serializer, sentinel error, extra ...string) {
	t.Helper()
	for _, str := range append(InvalidUTF8[:len(InvalidUTF8):len(InvalidUTF8)], extra...) {
		for _, m := range []wamp.Message{
			&wamp.Publish{Request: 1, Options: wamp.Dict{}, Topic: "com.x", Args: wamp.List{str}},
			&wamp.Event{Subscription: 1, Publication: 2, Details: wamp.Dict{}, Args: wamp.List{"ok", wamp.List{str}}},
			&wamp.Yield{Request: 1, Options: wamp.Dict{}, Kwargs: wamp.Dict{str: int64(1)}},
			&wamp.Yield{Request: 1, Options: wamp.Dict{}, Kwargs: wamp.Dict{"k": wamp.Dict{"n": str}}},
			&wamp.Call{Request: 1, Options: wamp.Dict{"x": []string{"a", str}}, Procedure: "com.x"},
			&wamp.Call{Request: 1, Options: wamp.Dict{}, Procedure: wamp.URI("com." + str)},
			&wamp.Abort{Details: wamp.Dict{}, Reason: wamp.URI(str)},
			&wamp.Challenge{AuthMethod: str, Extra: wamp.Dict{}},
		} {
			b, err := s.AppendMessage(nil, m)
			if !errors.Is(err, sentinel) || !strings.Contains(err.Error(), "UTF-8") {
				t.Errorf("%q in %v: got %q, %v; want an error matching %v naming UTF-8", str, m.Type(), b, err, sentinel)
			}
		}
	}
}

// CheckValidUTF8RoundTrips checks that s carries valid UTF-8 (multi-byte,
// U+FFFD, a leading NUL) unchanged in values and dict keys, and bytes that
// are not UTF-8 as []byte.
func CheckValidUTF8RoundTrips(t *testing.T, s wamp.Serializer) {
	t.Helper()
	for _, str := range []string{"", "é", "😀" + strings.Repeat("€", 30), "\u2028\ufffd", "\x00é"} {
		m := &wamp.Event{Subscription: 1, Publication: 2, Details: wamp.Dict{str: str}, Args: wamp.List{str, []byte("\xff")}}
		b, err := s.AppendMessage(nil, m)
		if err != nil {
			t.Fatalf("%q: %v", str, err)
		}
		got, err := s.Unmarshal(b)
		if err != nil {
			t.Fatalf("%q: %v", b, err)
		}
		ev := got.(*wamp.Event)
		if ev.Args[0] != str || ev.Details[str] != str || string(ev.Args[1].([]byte)) != "\xff" {
			t.Fatalf("%q -> %q -> %#v", str, b, ev)
		}
	}
}

// FuzzStringUTF8 checks with appendValue and decode (a serializer's
// AppendValue and Decode) that a string encodes exactly when it is UTF-8,
// as a value and as a dict key, and then decodes back as it was.
func FuzzStringUTF8(f *testing.F, appendValue func([]byte, any) ([]byte, error), decode func([]byte) (any, error)) {
	for _, s := range []string{"", "a", "é", "\x00", "a\xffb", "\xed\xa0\x80", strings.Repeat("€", 12) + "\xe2\x82"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		enc, err := appendValue(nil, map[string]any{s: []any{"x" + s}})
		if utf8.ValidString(s) != (err == nil) {
			t.Fatalf("%q: valid %v, err %v", s, utf8.ValidString(s), err)
		}
		if err != nil {
			return
		}
		got, err := decode(enc)
		if d, _ := got.(map[string]any); err != nil || len(d) != 1 || d[s].([]any)[0] != "x"+s {
			t.Fatalf("%q -> %x -> %#v, %v", s, enc, got, err)
		}
	})
}
