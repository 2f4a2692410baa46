package cbor

import (
	"errors"
	"reflect"

	fxcbor "github.com/fxamacker/cbor/v2"

	"github.com/autobahn-go/autobahn/wamp"
)

// ErrUnsupportedType is returned for messages the serializer cannot encode,
// and for input holding CBOR values WAMP has no use for (simple values
// other than false/true/null/undefined, integers outside int64).
var ErrUnsupportedType = errors.New("wamp/cbor: unsupported message")

var decMode fxcbor.DecMode

func init() {
	var err error
	decMode, err = fxcbor.DecOptions{
		DupMapKey:        fxcbor.DupMapKeyEnforcedAPF,
		MaxNestedLevels:  256,
		MaxArrayElements: 1 << 20,
		MaxMapPairs:      1 << 20,
		TagsMd:           fxcbor.TagsForbidden,
		IntDec:           fxcbor.IntDecConvertSignedOrFail,
		DefaultMapType:   reflect.TypeOf(map[string]any(nil)),
		UTF8:             fxcbor.UTF8RejectInvalid,
	}.DecMode()
	if err != nil {
		panic(err)
	}
}

// Serializer implements wamp.Serializer for CBOR. The zero value is ready.
type Serializer struct{}

var _ wamp.Serializer = Serializer{}

// Name returns "cbor".
func (Serializer) Name() string { return "cbor" }

// Binary returns true.
func (Serializer) Binary() bool { return true }

// AppendMessage appends the CBOR encoding of m to dst.
func (Serializer) AppendMessage(dst []byte, m wamp.Message) ([]byte, error) {
	w := listWriter{b: dst}
	ok, err := wamp.WriteList(m, &w)
	if !ok {
		return dst, ErrUnsupportedType
	}
	if err != nil {
		return dst, err
	}
	return w.b, nil
}

// Unmarshal decodes and validates one message.
func (Serializer) Unmarshal(b []byte) (wamp.Message, error) {
	var v any
	if err := decMode.Unmarshal(b, &v); err != nil {
		return nil, err
	}
	l, ok := v.([]any)
	if !ok {
		return nil, &wamp.ProtocolError{Msg: "message is not a list"}
	}
	if !plain(l, 0) {
		return nil, ErrUnsupportedType
	}
	return wamp.FromList(l)
}

// plain reports whether v holds only the value types of package wamp;
// fxamacker/cbor also yields simple values, which are rejected.
func plain(v any, depth int) bool {
	switch x := v.(type) {
	case nil, bool, int64, float64, string, []byte:
		return true
	case []any:
		for _, e := range x {
			if !plain(e, depth+1) {
				return false
			}
		}
		return true
	case map[string]any:
		for _, e := range x {
			if !plain(e, depth+1) {
				return false
			}
		}
		return true
	}
	return false
}
