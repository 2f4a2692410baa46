package json_test

import (
	stdjson "encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/internal/vectors"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
)

// A Go string may hold any bytes, JSON text only UTF-8 (RFC 8259 8.1).
// The encoder copied invalid bytes as they were: our own decoder (and
// Autobahn's) rejects such JSON, and a WebSocket text frame cannot carry
// it, so a router that asked the serializer whether an EVENT could be
// encoded was told yes, and the transport's refusal then ended the
// subscriber's session. Such a string is refused now, as NaN is, whether
// a value, a dict key, or a top-level field, with or without escapes.
func TestReview17InvalidUTF8Refused(t *testing.T) {
	// Beside the shared strings, ones around JSON's escapes.
	escapes := []string{"q\"\xfe", "\\\x80", "\n\xff", strings.Repeat("x", 40) + "\xf0\x9f\x98" + "\"",
		"\x01" + strings.Repeat("é", 20) + "\x80"}
	vectors.CheckInvalidUTF8Refused(t, json.Serializer{}, json.ErrUnsupportedType, escapes...)
	for _, str := range slices.Concat(vectors.InvalidUTF8, escapes) {
		if b, err := json.AppendValue([]byte("x"), str); !errors.Is(err, json.ErrUnsupportedType) {
			t.Errorf("AppendValue(%q) = %q, %v; want ErrUnsupportedType", str, b, err)
		}
	}
	// Every offset, around the word-at-a-time scans.
	for n := 1; n <= 72; n++ {
		for pos := range n {
			for _, c := range []byte{0x80, 0xc3, 0xff} {
				for _, esc := range []string{"", "\"", "\t"} {
					buf := []byte(esc + strings.Repeat("a", n))
					buf[len(esc)+pos] = c
					if _, err := json.AppendValue(nil, string(buf)); err == nil {
						t.Fatalf("encoded %q", buf)
					}
				}
			}
		}
	}
}

// Valid UTF-8, escapes included, still encodes and round-trips; so do
// bytes that are not UTF-8 when they are []byte.
func TestReview17ValidUTF8Encodes(t *testing.T) {
	var s json.Serializer
	for _, str := range []string{"", "é", "a\"é\\\n", "😀" + strings.Repeat("€", 30), "\u2028\ufffd", "\x01é"} {
		m := &wamp.Event{Subscription: 1, Publication: 2, Details: wamp.Dict{str: str}, Args: wamp.List{str, []byte("\xff")}}
		b, err := s.AppendMessage(nil, m)
		if err != nil {
			t.Fatalf("%q: %v", str, err)
		}
		var std []any
		if err := stdjson.Unmarshal(b, &std); err != nil {
			t.Fatalf("%q: stdlib: %v", b, err)
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

// FuzzReview17String: a string encodes exactly when it is UTF-8 (and does
// not start with NUL, the binary marker), and then encoding/json and our
// decoder read it back as it was, as a value and as a dict key.
func FuzzReview17String(f *testing.F) {
	for _, s := range []string{"", "a", "é\"\\\n", "a\xffb", "\xed\xa0\x80", strings.Repeat("€", 12) + "\xe2\x82"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		enc, err := json.AppendValue(nil, map[string]any{s: []any{"x" + s}})
		if utf8.ValidString(s) != (err == nil) {
			t.Fatalf("%q: valid %v, err %v", s, utf8.ValidString(s), err)
		}
		if err != nil {
			return
		}
		var std map[string][]string
		if err := stdjson.Unmarshal(enc, &std); err != nil || len(std) != 1 || std[s][0] != "x"+s {
			t.Fatalf("%q -> %s: stdlib reads %q, %v", s, enc, std, err)
		}
		got, err := json.Decode(enc)
		if d, _ := got.(map[string]any); err != nil || len(d) != 1 || d[s].([]any)[0] != "x"+s {
			t.Fatalf("%q -> %s -> %#v, %v", s, enc, got, err)
		}
	})
}
