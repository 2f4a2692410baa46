package rawsocket

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"

	"github.com/autobahn-go/autobahn/wamp"
)

// Magic is the first octet of both handshake messages.
const Magic = 0x7F

// FrameType is the 3-bit type in a frame header.
type FrameType byte

// Frame types.
const (
	FrameRegular FrameType = 0
	FramePing    FrameType = 1
	FramePong    FrameType = 2
)

// Serializer ids in the handshake.
const (
	SerializerJSON    = 1
	SerializerMsgPack = 2
	SerializerCBOR    = 3
	SerializerUBJSON  = 4
	// SerializerFlatBuffers is Autobahn's id for "wamp.2.flatbuffers"
	// (FlatBuffersSerializer.RAWSOCKET_SERIALIZER_ID).
	SerializerFlatBuffers = 5
)

// HandshakeCode is the error code a server puts in the high nibble of the
// second handshake octet when it refuses a connection.
type HandshakeCode byte

// Handshake error codes.
const (
	CodeSerializerUnsupported HandshakeCode = 1
	CodeMaxLenUnacceptable    HandshakeCode = 2
	CodeReservedBits          HandshakeCode = 3
	CodeMaxConnections        HandshakeCode = 4
)

// Length limits: 2^9 … 2^24 octets.
const (
	MinMaxMessageLen = 1 << 9
	MaxMaxMessageLen = 1 << 24
)

// MaxFrameLen is the largest length a frame header can carry.
const MaxFrameLen = 1<<24 - 1

var (
	// ErrBadMagic: the first handshake octet was not 0x7F.
	ErrBadMagic = errors.New("rawsocket: bad magic octet")
	// ErrReservedBits: reserved bits were set in a handshake or frame header.
	ErrReservedBits = errors.New("rawsocket: reserved bits set")
	// ErrBadFrameType: a frame of a reserved type (3..7).
	ErrBadFrameType = errors.New("rawsocket: reserved frame type")
	// ErrMessageTooLarge: a frame longer than the receiver's maximum.
	ErrMessageTooLarge = errors.New("rawsocket: message too large")
	// ErrSerializerUnsupported: no serializer both sides know.
	ErrSerializerUnsupported = errors.New("rawsocket: serializer unsupported")
	// ErrClosed: the connection was closed.
	ErrClosed = errors.New("rawsocket: connection closed")
)

// HandshakeError is the refusal of a server, or a malformed reply.
type HandshakeError struct {
	Code HandshakeCode
}

// Error describes the refusal or the malformed reply.
func (e *HandshakeError) Error() string {
	switch e.Code {
	case CodeSerializerUnsupported:
		return "rawsocket: server refused: serializer unsupported"
	case CodeMaxLenUnacceptable:
		return "rawsocket: server refused: maximum message length unacceptable"
	case CodeReservedBits:
		return "rawsocket: server refused: use of reserved bits"
	case CodeMaxConnections:
		return "rawsocket: server refused: maximum connection count reached"
	}
	return fmt.Sprintf("rawsocket: server refused: error code %d", e.Code)
}

// Is makes CodeSerializerUnsupported match ErrSerializerUnsupported.
func (e *HandshakeError) Is(target error) bool {
	return target == ErrSerializerUnsupported && e.Code == CodeSerializerUnsupported
}

// SerializerID returns the handshake id of s, by its name.
func SerializerID(s wamp.Serializer) (byte, bool) {
	switch s.Name() {
	case "json":
		return SerializerJSON, true
	case "msgpack":
		return SerializerMsgPack, true
	case "cbor":
		return SerializerCBOR, true
	case "ubjson":
		return SerializerUBJSON, true
	case "flatbuffers":
		return SerializerFlatBuffers, true
	}
	return 0, false
}

// lengthExponent returns the smallest n with 2^(9+n) >= max, clamped to 0..15.
func lengthExponent(max int) byte {
	if max <= MinMaxMessageLen {
		return 0
	}
	if max >= MaxMaxMessageLen {
		return 15
	}
	return byte(bits.Len(uint(max-1)) - 9)
}

// maxFromExponent returns 2^(9+n) capped to what a frame header can carry.
func maxFromExponent(n byte) int { return min(1<<(9+int(n)), MaxFrameLen) }

// AppendHeader appends a frame header for a payload of n octets.
func AppendHeader(dst []byte, t FrameType, n int) []byte {
	return append(dst, byte(t), byte(n>>16), byte(n>>8), byte(n))
}

// ParseHeader parses a frame header (len(h) >= 4).
func ParseHeader(h []byte) (FrameType, int, error) {
	if h[0]&0xF8 != 0 {
		return 0, 0, ErrReservedBits
	}
	t := FrameType(h[0] & 7)
	if t > FramePong {
		return 0, 0, ErrBadFrameType
	}
	n := int(binary.BigEndian.Uint32(h) & 0xFFFFFF)
	return t, n, nil
}
