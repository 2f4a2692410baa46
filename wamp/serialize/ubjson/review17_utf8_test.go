package ubjson_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/ubjson"
)

// A Go string may hold any bytes, a UBJSON string or key only UTF-8, and
// our decoder (as py-ubjson) rejects one that is not. The encoder wrote
// such a string as S anyway, so a router that asked whether an EVENT
// could be encoded was told yes and sent the subscriber a message that
// ended its session. Such a string is refused now, wherever it sits.
func TestReview17InvalidUTF8Refused(t *testing.T) {
	var s ubjson.Serializer
	for _, str := range []string{"\xff", "\x80", "a\xffb", "\xc3", "é\xc3(", "\xed\xa0\x80", strings.Repeat("x", 40) + "\xf0\x9f\x98"} {
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
			if !errors.Is(err, ubjson.ErrUnsupportedType) || !strings.Contains(err.Error(), "UTF-8") {
				t.Errorf("%q in %v: got %q, %v; want an ErrUnsupportedType naming UTF-8", str, m.Type(), b, err)
			}
		}
		for _, v := range []any{str, wamp.URI(str), []string{str}, wamp.Dict{str: nil}} {
			if b, err := ubjson.AppendValue(nil, v); !errors.Is(err, ubjson.ErrUnsupportedType) {
				t.Errorf("AppendValue(%q) = %q, %v; want ErrUnsupportedType", v, b, err)
			}
		}
	}
}

// Valid UTF-8 (multi-byte, U+FFFD) still round-trips, as do bytes that
// are not UTF-8 when they are []byte.
func TestReview17ValidUTF8RoundTrips(t *testing.T) {
	var s ubjson.Serializer
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

// FuzzReview17String: a string encodes exactly when it is UTF-8, as a
// value and as a dict key, and then decodes back as it was.
func FuzzReview17String(f *testing.F) {
	for _, s := range []string{"", "a", "é", "\x00", "a\xffb", "\xed\xa0\x80", strings.Repeat("€", 12) + "\xe2\x82"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		enc, err := ubjson.AppendValue(nil, map[string]any{s: []any{"x" + s}})
		if utf8.ValidString(s) != (err == nil) {
			t.Fatalf("%q: valid %v, err %v", s, utf8.ValidString(s), err)
		}
		if err != nil {
			return
		}
		got, err := ubjson.Decode(enc)
		if d, _ := got.(map[string]any); err != nil || len(d) != 1 || d[s].([]any)[0] != "x"+s {
			t.Fatalf("%q -> %x -> %#v, %v", s, enc, got, err)
		}
	})
}
