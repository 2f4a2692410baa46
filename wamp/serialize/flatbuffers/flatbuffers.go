package flatbuffers

import (
	"errors"

	"github.com/autobahn-go/autobahn/wamp"
)

// ErrUnsupportedType is returned for messages the serializer cannot encode:
// a message type the schema has no table for, a known Options/Details key
// whose value does not fit its field, or args holding a value CBOR cannot
// carry.
var ErrUnsupportedType = errors.New("wamp/flatbuffers: unsupported message")

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
