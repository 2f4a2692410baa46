package cbor_test

import (
	"errors"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/internal/vectors"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
)

// A Go string may hold any bytes, a CBOR text string only UTF-8 (RFC
// 8949 3.1), and our decoder (as Autobahn's cbor2) rejects one that is
// not. The encoder wrote such a string as text anyway, so a router that
// asked whether an EVENT could be encoded was told yes and sent the
// subscriber a message that ended its session. Such a string is refused
// now, wherever it sits (AppendList and AppendDict, which the FlatBuffers
// serializer's args and kwargs use, too).
func TestReview17InvalidUTF8Refused(t *testing.T) {
	vectors.CheckInvalidUTF8Refused(t, cbor.Serializer{}, cbor.ErrUnsupportedType)
	for _, str := range vectors.InvalidUTF8 {
		for _, v := range []any{str, wamp.URI(str), []string{str}, wamp.Dict{str: nil}} {
			if b, err := cbor.AppendValue(nil, v); !errors.Is(err, cbor.ErrUnsupportedType) {
				t.Errorf("AppendValue(%q) = %q, %v; want ErrUnsupportedType", v, b, err)
			}
		}
		if b, err := cbor.AppendList(nil, []any{1, str}); !errors.Is(err, cbor.ErrUnsupportedType) {
			t.Errorf("AppendList(%q) = %q, %v; want ErrUnsupportedType", str, b, err)
		}
		if b, err := cbor.AppendDict(nil, map[string]any{"a": 1, str: 2}); !errors.Is(err, cbor.ErrUnsupportedType) {
			t.Errorf("AppendDict(%q) = %q, %v; want ErrUnsupportedType", str, b, err)
		}
	}
}

// Valid UTF-8 (multi-byte, U+FFFD) still round-trips, as do bytes that
// are not UTF-8 when they are []byte.
func TestReview17ValidUTF8RoundTrips(t *testing.T) {
	vectors.CheckValidUTF8RoundTrips(t, cbor.Serializer{})
}

// FuzzReview17String: a string encodes exactly when it is UTF-8, as a
// value and as a dict key, and then decodes back as it was.
func FuzzReview17String(f *testing.F) {
	vectors.FuzzStringUTF8(f, cbor.AppendValue, cbor.Decode)
}
