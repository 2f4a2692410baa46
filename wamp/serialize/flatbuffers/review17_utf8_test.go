package flatbuffers_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/flatbuffers"
)

// A Go string may hold any bytes, a FlatBuffers string (and a CBOR text
// string in args and kwargs) only UTF-8, and our reader rejects one that
// is not as a protocol violation. Every writer (hot, direct, Builder)
// wrote such a string anyway, so a router that asked whether an EVENT
// could be encoded was told yes and sent the subscriber a message that
// ended its session. Such a string is refused now, wherever it sits.
func TestReview17InvalidUTF8Refused(t *testing.T) {
	var s flatbuffers.Serializer
	for _, str := range []string{"\xff", "a\xffb", "\xc3", "é\xc3(", "\xed\xa0\x80", strings.Repeat("x", 40) + "\xf0\x9f\x98"} {
		for _, m := range []wamp.Message{
			// The hot path: URI, args, kwargs key and value.
			&wamp.Publish{Request: 1, Options: wamp.Dict{}, Topic: "com.x", Args: wamp.List{str}},
			&wamp.Publish{Request: 1, Options: wamp.Dict{}, Topic: wamp.URI("com." + str)},
			&wamp.Call{Request: 1, Options: wamp.Dict{}, Procedure: wamp.URI("com." + str), Args: wamp.List{1}},
			&wamp.Event{Subscription: 1, Publication: 2, Details: wamp.Dict{}, Args: wamp.List{"ok", wamp.List{str}}},
			&wamp.Yield{Request: 1, Options: wamp.Dict{}, Kwargs: wamp.Dict{str: int64(1)}},
			&wamp.Yield{Request: 1, Options: wamp.Dict{}, Kwargs: wamp.Dict{"k": wamp.Dict{"n": str}}},
			// The direct writer: positional and Options/Details strings.
			&wamp.Event{Subscription: 1, Publication: 2, Details: wamp.Dict{"topic": str}, Args: wamp.List{"ok"}},
			&wamp.Event{Subscription: 1, Publication: 2, Details: wamp.Dict{"publisher": 3}, Args: wamp.List{str}},
			&wamp.Publish{Request: 1, Options: wamp.Dict{"acknowledge": true}, Topic: wamp.URI("com." + str)},
			&wamp.Abort{Details: wamp.Dict{}, Reason: wamp.URI(str)},
			&wamp.Error{RequestType: wamp.TypeCall, Request: 1, Details: wamp.Dict{}, Error: wamp.URI(str)},
			// The Builder: string lists, Map pairs, HELLO fields.
			&wamp.Publish{Request: 1, Options: wamp.Dict{"eligible_authid": []any{"a", str}}, Topic: "com.x"},
			&wamp.Challenge{AuthMethod: "ticket", Extra: wamp.Dict{"k": str}},
			&wamp.Challenge{AuthMethod: "ticket", Extra: wamp.Dict{str: "v"}},
			&wamp.Hello{Realm: "realm1", Details: wamp.Dict{"authid": str}},
			&wamp.Hello{Realm: wamp.URI(str), Details: wamp.Dict{}},
		} {
			for name, enc := range map[string]func([]byte, wamp.Message) ([]byte, error){
				"AppendMessage": s.AppendMessage, "general": flatbuffers.AppendGeneral,
			} {
				b, err := enc(nil, m)
				if !errors.Is(err, flatbuffers.ErrUnsupportedType) || !strings.Contains(err.Error(), "UTF-8") {
					_, rerr := s.Unmarshal(b)
					t.Errorf("%s: %q in %v %v: got %d bytes (read back: %v), %v; want an ErrUnsupportedType naming UTF-8",
						name, str, m.Type(), m, len(b), rerr, err)
				}
			}
		}
	}
}

// Valid UTF-8 (multi-byte, U+FFFD) still round-trips, in the hot path and
// in the others, as do bytes that are not UTF-8 when they are []byte.
func TestReview17ValidUTF8RoundTrips(t *testing.T) {
	var s flatbuffers.Serializer
	for _, str := range []string{"", "é", "😀" + strings.Repeat("€", 30), "\u2028\ufffd", "\x00é"} {
		for _, m := range []wamp.Message{
			&wamp.Event{Subscription: 1, Publication: 2, Details: wamp.Dict{}, Args: wamp.List{str, []byte("\xff")}, Kwargs: wamp.Dict{str: str}},
			&wamp.Event{Subscription: 1, Publication: 2, Details: wamp.Dict{"publisher_authid": "t" + str}, Args: wamp.List{str, []byte("\xff")}, Kwargs: wamp.Dict{str: str}},
		} {
			b, err := s.AppendMessage(nil, m)
			if err != nil {
				t.Fatalf("%q: %v", str, err)
			}
			got, err := s.Unmarshal(b)
			if err != nil {
				t.Fatalf("%q: %v", str, err)
			}
			ev := got.(*wamp.Event)
			if ev.Args[0] != str || ev.Kwargs[str] != str || string(ev.Args[1].([]byte)) != "\xff" ||
				len(m.(*wamp.Event).Details) > 0 && ev.Details["publisher_authid"] != "t"+str {
				t.Fatalf("%q -> %#v", str, ev)
			}
		}
	}
}
