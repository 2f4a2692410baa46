package flatbuffers

// Autobahn carries args and kwargs as CBOR (cbor2) inside [ubyte] fields.
// They are encoded by package wamp/serialize/cbor (cbor.AppendList and
// cbor.AppendDict: the same deterministic CBOR as that serializer) and
// decoded by cbordecode.go under cbor.Decode's rules.

// maxDepth bounds the nesting the decoder follows (package cbor's limit).
const maxDepth = 256

// CBOR major types (RFC 8949 §3.1), in the initial byte's top 3 bits.
const (
	majorUint  = 0 << 5
	majorNeg   = 1 << 5
	majorBytes = 2 << 5
	majorText  = 3 << 5
	majorArray = 4 << 5
	majorMap   = 5 << 5
)
