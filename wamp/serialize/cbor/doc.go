// Package cbor is the WAMP CBOR serializer ("wamp.2.cbor", RawSocket id 3),
// built on github.com/fxamacker/cbor/v2.
//
// Binary values are CBOR byte strings; text strings must be valid UTF-8.
// Dict keys are written in CBOR's deterministic (bytewise lexical) order,
// so equal messages give equal bytes; integers and lengths use the
// shortest form, floats are written as float64 (as Autobahn's cbor2 does).
//
//	var s cbor.Serializer
//	b, err := s.AppendMessage(nil, &wamp.Publish{Request: 1, Topic: "com.example.t", Args: wamp.List{[]byte{1, 2}}})
//	m, err := s.Unmarshal(b)
//
// Concurrency: Serializer is stateless and safe for concurrent use.
//
// Decoding uses fxamacker/cbor with strict options; encoding is written out
// by hand (the same bytes fxamacker writes deterministically, checked by a
// differential test) to avoid reflection and an intermediate list.
//
// Limits: nesting depth 256, at most 1 << 20 list elements and dict pairs
// per container; tags, non-string dict keys, duplicate keys, simple values
// other than false/true/null/undefined and integers outside int64 are
// rejected. Integers decode to int64.
package cbor
