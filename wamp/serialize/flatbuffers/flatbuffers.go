package flatbuffers

import (
	"errors"

	"github.com/autobahn-go/autobahn/wamp"
)

// ErrUnsupportedType is returned (possibly wrapped) for messages the
// serializer cannot encode: a message type the schema has no table for, a
// known Options/Details key whose value does not fit its field, a string
// that is not UTF-8, or args holding a value CBOR cannot carry.
var ErrUnsupportedType = errors.New("wamp/flatbuffers: unsupported message")

// errInvalidUTF8 is reported (wrapped in ErrUnsupportedType, with the
// field it was meant for) for a string that is not valid UTF-8: a
// FlatBuffers string is UTF-8, as is a CBOR text string in args and
// kwargs, and the peer's reader rejects one that is not (ours does, as a
// protocol violation). Go strings may hold any bytes; one meant as bytes
// travels as []byte.
var errInvalidUTF8 = errors.New("a string that is not valid UTF-8 (FlatBuffers and CBOR strings; send bytes as []byte)")

// RawSocketID is the serializer's id in the RawSocket handshake (Autobahn's
// FlatBuffersSerializer.RAWSOCKET_SERIALIZER_ID).
const RawSocketID = 5

// Serializer implements wamp.Serializer for FlatBuffers. The zero value is
// ready.
type Serializer struct{}

var _ wamp.Serializer = Serializer{}

// Name returns "flatbuffers".
func (Serializer) Name() string { return "flatbuffers" }

// Binary returns true.
func (Serializer) Binary() bool { return true }
