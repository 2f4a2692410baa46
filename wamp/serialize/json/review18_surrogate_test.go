package json_test

import (
	stdjson "encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
)

// JavaScript strings are UTF-16 and may hold a lone surrogate (an app cuts
// a string in the middle of an emoji); JSON.stringify sends it as a \u
// escape. The decoder rejected such a string as a syntax error, so a
// browser client's PUBLISH or CALL ended its session as a protocol
// violation. A surrogate without its other half decodes to U+FFFD now, as
// with encoding/json, in values and dict keys; an escape after it that
// does not complete it is read on its own.
func TestReview18LoneSurrogateIsReplacementChar(t *testing.T) {
	for _, in := range []string{
		`"\ud800"`,
		`"\udc00"`,
		`"a\ud83d"`,              // an emoji cut after its high half
		`"\ude00b"`,              // ... and the rest of the string
		`"\ud83dxyz\ude00"`,      // halves apart
		`"\ud800\u0041"`,         // a high half, then another escape
		`"\udc00\ud83d\ude00"`,   // a low half, then a pair
		`"\ud800\ud800\udc00"`,   // two high halves, then a low one
		`"\ud83d\ude00\ud83d"`,   // a pair, then a high half
		`"\ud800\n\u00e9"`,       // other escapes after it
		`"\ud800\\u0041"`,        // an escaped backslash, not an escape
		`"é\uDBFF\uDBFF\uDFFF€"`, // upper case hex digits
	} {
		var want string
		if err := stdjson.Unmarshal([]byte(in), &want); err != nil {
			t.Fatalf("stdlib %s: %v", in, err)
		}
		got, err := json.Decode([]byte(in))
		if err != nil || got != want {
			t.Errorf("Decode(%s) = %q, %v; want %q (encoding/json)", in, got, err, want)
		}
	}
	// A bad escape after a lone surrogate is still a syntax error.
	for _, in := range []string{`"\ud800\uZZZZ"`, `"\ud800\u12"`, `"\ud800\u"`, `"\ud800\x"`, `"\ud800`} {
		if got, err := json.Decode([]byte(in)); !errors.Is(err, json.ErrSyntax) {
			t.Errorf("Decode(%s) = %q, %v; want ErrSyntax", in, got, err)
		}
	}

	// A whole message, as a browser sends it: it decodes, and what it
	// decoded to encodes (UTF-8, U+FFFD raw) and reads back the same.
	var s json.Serializer
	m, err := s.Unmarshal([]byte(`[16,1,{},"com.example.t",["ab\ud83d"],{"\udc00k":"\ud800"}]`))
	if err != nil {
		t.Fatalf("Unmarshal: %v", err)
	}
	p := m.(*wamp.Publish)
	if p.Args[0] != "ab\ufffd" || p.Kwargs["\ufffdk"] != "\ufffd" || len(p.Kwargs) != 1 {
		t.Fatalf("decoded %#v", p)
	}
	b, err := s.AppendMessage(nil, p)
	if err != nil {
		t.Fatalf("re-encode: %v", err)
	}
	if want := `[16,1,{},"com.example.t",["ab` + "\ufffd" + `"],{"` + "\ufffd" + `k":"` + "\ufffd" + `"}]`; string(b) != want {
		t.Fatalf("re-encoded %s, want %s", b, want)
	}
}

// FuzzReview18StringMatchesStdlib: a JSON string literal of UTF-8 text
// decodes as encoding/json decodes it (escapes, surrogates), or both
// reject it. Strings starting with NUL are WAMP's binary marker.
func FuzzReview18StringMatchesStdlib(f *testing.F) {
	for _, s := range []string{`a`, `\ud800`, `\ud83d\ude00`, `\ud800\u0041`, `\udc00\ud800\udc00`, `\ud800\u12`, `\u00e9\n\"`, `é\"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		in := []byte(`"` + s + `"`)
		if !utf8.Valid(in) {
			return // encoding/json replaces invalid UTF-8; we reject it
		}
		var want string
		stdErr := stdjson.Unmarshal(in, &want)
		if stdErr == nil && strings.HasPrefix(want, "\x00") {
			return
		}
		got, err := json.Decode(in)
		if stdErr != nil || err != nil {
			if (stdErr == nil) != (err == nil) {
				t.Fatalf("%s: stdlib %q, %v; ours %#v, %v", in, want, stdErr, got, err)
			}
			return
		}
		if got != want {
			t.Fatalf("%s: stdlib %q; ours %#v", in, want, got)
		}
	})
}
