package ubjson_test

import (
	"errors"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/internal/vectors"
	"github.com/autobahn-go/autobahn/wamp/serialize/ubjson"
)

// A Go string may hold any bytes, a UBJSON string or key only UTF-8, and
// our decoder (as py-ubjson) rejects one that is not. The encoder wrote
// such a string as S anyway, so a router that asked whether an EVENT
// could be encoded was told yes and sent the subscriber a message that
// ended its session. Such a string is refused now, wherever it sits.
func TestReview17InvalidUTF8Refused(t *testing.T) {
	vectors.CheckInvalidUTF8Refused(t, ubjson.Serializer{}, ubjson.ErrUnsupportedType)
	for _, str := range vectors.InvalidUTF8 {
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
	vectors.CheckValidUTF8RoundTrips(t, ubjson.Serializer{})
}

// FuzzReview17String: a string encodes exactly when it is UTF-8, as a
// value and as a dict key, and then decodes back as it was.
func FuzzReview17String(f *testing.F) {
	vectors.FuzzStringUTF8(f, ubjson.AppendValue, ubjson.Decode)
}
