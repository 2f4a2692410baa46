package cbor

import (
	"errors"

	"github.com/autobahn-go/autobahn/wamp"
)

// ErrUnsupportedType is returned (possibly wrapped) for messages the
// serializer cannot encode (a value of another Go type, a string that is
// not UTF-8), and for input holding CBOR values WAMP has no use for
// (simple values other than false/true/null/undefined, negative integers
// below int64).
var ErrUnsupportedType = errors.New("wamp/cbor: unsupported message")

// Serializer implements wamp.Serializer for CBOR. The zero value is ready.
type Serializer struct{}

var _ wamp.Serializer = Serializer{}

// Name returns "cbor".
func (Serializer) Name() string { return "cbor" }

// Binary returns true.
func (Serializer) Binary() bool { return true }

// AppendMessage appends the CBOR encoding of m to dst.
func (Serializer) AppendMessage(dst []byte, m wamp.Message) ([]byte, error) {
	var w wamp.Wire
	if !wamp.ToWire(m, &w) {
		return dst, ErrUnsupportedType
	}
	// The message list is at depth 1 and its elements at 2, as the decoder
	// counts them.
	b := appendHead(dst, majorArray, uint64(w.Len))
	for i := range w.Len {
		var err error
		switch e := &w.Elems[i]; e.Kind {
		case wamp.KindInt:
			b = appendInt(b, e.Int)
		case wamp.KindUint:
			b = appendHead(b, majorUint, e.Uint)
		case wamp.KindString:
			b, err = appendText(b, e.Str)
		case wamp.KindDict:
			b, err = appendDict(b, e.Dict, 2)
		case wamp.KindList:
			b, err = appendList(b, e.List, 2)
		case wamp.KindBytes:
			b = append(appendHead(b, majorBytes, uint64(len(e.Bytes))), e.Bytes...)
		default:
			b, err = appendValue(b, e.Val, 2)
		}
		if err != nil {
			return dst, err
		}
	}
	return b, nil
}
