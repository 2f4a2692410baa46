// Package wamp is the vocabulary of the Web Application Messaging Protocol
// (WAMP, https://wamp-proto.org): one struct per message of the Basic and
// Advanced profiles with its wire layout in a comment, identifiers, URIs,
// the standard error URIs, and the Serializer and Transport interfaces that
// codecs (wamp/serialize/...) and transports (wamp/transport/...) implement.
//
// A message travels as a list ([]any) whose first element is the message
// type code. ToList turns a Message into that list and FromList checks a
// decoded list strictly (element types, required fields, ID ranges, URI
// rules and the types of the well-known Options and Details keys) and
// returns the typed message or an error matching ErrProtocolViolation. The
// conversion is written out by hand for every message; no reflection.
//
//	l := wamp.ToList(&wamp.Call{Request: 1, Procedure: "com.example.add", Args: wamp.List{1, 2}})
//	m, err := wamp.FromList(l) // m is *wamp.Call
//
// The wire layouts in the comments use the specification's element names;
// the struct fields for its Arguments|list and ArgumentsKw|dict are Args
// and Kwargs.
//
// Serializers work on a Wire instead: the same elements as the List, with
// the top-level ones unboxed (type code and IDs as integers, URIs as
// strings) in a fixed array that lives on the stack. ToWire fills it from a
// message without copying or boxing anything; a decoder reads the wire
// array straight into it and FromWire applies the FromList checks and
// builds the message. AppendBatched and SplitBatched frame several
// messages in one WebSocket message for the ".batched" subprotocols the
// way Autobahn does. An Encoded is a message encoded once and sent as is
// by every EncodedSender transport of its serializer (a router's fan-out).
//
// Values inside Dict and List use this set of Go types: nil, bool, int64,
// uint64 (only above MaxInt64), float64, string, []byte, List ([]any) and
// Dict (map[string]any). Serializers decode into exactly these types and
// encode them plus the other integer widths, float32 and []string.
//
// Concurrency: messages are plain values; do not mutate a message while
// another goroutine serializes it. All functions are safe for concurrent use.
//
// Limits: IDs lie in 1..2^53 (MaxID); ToList does not validate, FromList does.
package wamp
