package wamp

import "context"

// Encoded is a message encoded once, to be sent as is over many
// transports of the same serializer: a router's fan-out of one EVENT to
// the subscribers of a subscription. Bytes is Serializer's AppendMessage
// of Message, without any transport framing; neither may be modified
// once the Encoded is handed to a transport, which may still hold it.
//
// Only an EncodedSender takes an Encoded; it sends Bytes when Serializer
// is its own (by Name) and encodes Message otherwise.
type Encoded struct {
	Message    Message
	Serializer Serializer
	Bytes      []byte
}

// Type is the type of the encoded message.
func (e *Encoded) Type() MessageType { return e.Message.Type() }

// For reports whether e's bytes are in s's encoding.
func (e *Encoded) For(s Serializer) bool {
	return e.Serializer != nil && s != nil && e.Serializer.Name() == s.Name()
}

// EncodedSender is a Transport that sends pre-encoded messages: its Send
// also takes an *Encoded, as SendEncoded does. The RawSocket and WebSocket
// transports are EncodedSenders; in-memory transports (a router's Pipe)
// are not, since their messages cross by reference. A type that embeds an
// EncodedSender and overrides Send must take *Encoded there too: a
// router queues Encoded messages to every EncodedSender.
type EncodedSender interface {
	Transport
	// Serializer is the serializer whose encoding SendEncoded sends as
	// is.
	Serializer() Serializer
	// SendEncoded sends e: its Bytes, framed for the transport, when
	// e.For(Serializer()), else e.Message encoded, as Send would.
	SendEncoded(ctx context.Context, e *Encoded) error
}
