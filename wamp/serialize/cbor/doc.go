// Package cbor is the WAMP CBOR serializer ("wamp.2.cbor", RawSocket id 3).
//
// Binary values are CBOR byte strings; text strings are UTF-8 both ways:
// Unmarshal fails with ErrMalformed on a text string that is not, and
// AppendMessage and AppendValue refuse a string, dict key or URI that is
// not with an error wrapping ErrUnsupportedType (send such bytes as
// []byte). Dict keys are written in CBOR's deterministic (bytewise
// lexical) order, so equal messages give equal bytes; integers and lengths
// use the shortest form, floats are written as float64 (as Autobahn's
// cbor2 does).
//
//	var s cbor.Serializer
//	b, err := s.AppendMessage(nil, &wamp.Publish{Request: 1, Topic: "com.example.t", Args: wamp.List{[]byte{1, 2}}})
//	m, err := s.Unmarshal(b)
//
// Concurrency: Serializer is stateless and safe for concurrent use.
//
// Both directions are written out by hand over []byte, without reflection
// or an intermediate list: the encoder writes the bytes fxamacker/cbor
// writes deterministically, and the decoder accepts exactly what
// fxamacker/cbor accepted with the strict options it replaced (both
// checked against fxamacker in differential tests, which is now a test-only
// dependency). The decoder reads the top-level list straight into a
// wamp.Wire. CALL, RESULT, PUBLISH, EVENT, INVOCATION and YIELD with empty
// Options/Details (the bulk of the traffic) skip the Wire: each is decoded
// in one allocation that holds the message, up to 4 arguments and its
// short strings (plus one per string argument, or integer beyond 0..255,
// that any(x) boxes), and its empty
// Options/Details dict is nil, as with the FlatBuffers serializer (read-only:
// copy before adding keys). Decoded strings never share the input's bytes.
//
// Limits: nesting depth 256, at most 1 << 20 list elements and dict pairs
// per container; tags, non-string dict keys, duplicate keys, simple values
// other than false/true/null/undefined and negative integers below int64
// are rejected. Integers decode to int64, and those above it to uint64 (as
// with MessagePack: 2^64-1 crosses every serializer).
package cbor
