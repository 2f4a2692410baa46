package json_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
)

// A string value that starts with NUL cannot travel in JSON: "\u0000" at
// the start of a string is WAMP's binary marker. The encoder wrote it
// anyway, so the peer either failed on the base64 that did not follow
// (the router dropped the session) or, worse, got bytes: "\x00AAAA"
// arrived as []byte{0, 0, 0}. It is refused now, as NaN is.
func TestReview14bLeadingNULString(t *testing.T) {
	var s json.Serializer
	for _, str := range []string{"\x00", "\x00abc", "\x00AAAA"} {
		for _, m := range []wamp.Message{
			&wamp.Call{Request: 1, Procedure: "com.x", Args: wamp.List{str}},
			&wamp.Call{Request: 1, Procedure: "com.x", Kwargs: wamp.Dict{"k": wamp.List{str}}},
			&wamp.Call{Request: 1, Procedure: "com.x", Options: wamp.Dict{"x": []string{"a", str}}},
			&wamp.Challenge{AuthMethod: str, Extra: wamp.Dict{}},
		} {
			b, err := s.AppendMessage(nil, m)
			if !errors.Is(err, json.ErrUnsupportedType) {
				got, derr := s.Unmarshal(b)
				t.Errorf("%q in %v: encoded as %q (decodes to %#v, %v); want ErrUnsupportedType", str, m.Type(), b, got, derr)
			}
		}
		if b, err := json.AppendValue(nil, str); !errors.Is(err, json.ErrUnsupportedType) {
			t.Errorf("AppendValue(%q) = %q, %v; want ErrUnsupportedType", str, b, err)
		}
	}
	// NUL elsewhere in a value, or at the start of a dict key (never
	// binary), and binary values themselves still round-trip.
	m := &wamp.Call{Request: 1, Options: wamp.Dict{}, Procedure: "com.x",
		Args: wamp.List{"a\x00", []byte{0, 1}, []byte{}}, Kwargs: wamp.Dict{"\x00k": "v\x00"}}
	b, err := s.AppendMessage(nil, m)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, m) {
		t.Fatalf("got %#v, want %#v", got, m)
	}
}
