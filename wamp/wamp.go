package wamp

import "context"

// Serializer turns messages into bytes and back. Implementations live in
// wamp/serialize/{json,cbor,msgpack,ubjson}; they are safe for concurrent use.
type Serializer interface {
	// Name is the serializer's name in subprotocols, e.g. "json" for
	// "wamp.2.json".
	Name() string
	// Binary reports whether the encoding is binary (WebSocket binary frames).
	Binary() bool
	// AppendMessage appends the encoding of m to dst. It does not keep m
	// (or anything m refers to) after it returns: the router reuses the
	// message it passed once it is encoded.
	AppendMessage(dst []byte, m Message) ([]byte, error)
	// Unmarshal decodes and validates one message (FromList rules). It does
	// not keep b.
	Unmarshal(b []byte) (Message, error)
}

// Transport carries messages between two peers: RawSocket, WebSocket.
// Send is safe for concurrent use; Recv is meant for one reading goroutine.
// Close unblocks both and is safe to call at any time, more than once.
type Transport interface {
	Send(ctx context.Context, m Message) error
	Recv(ctx context.Context) (Message, error)
	Close() error
}
