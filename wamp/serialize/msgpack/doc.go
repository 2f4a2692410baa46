// Package msgpack is the WAMP MessagePack serializer ("wamp.2.msgpack",
// RawSocket id 2). It encodes with the reflection-free byte-slice
// primitives of github.com/tinylib/msgp (msgp.Append*); the decoder is a
// hand-written switch on the type byte that reads the top-level list
// straight into a wamp.Wire (checked against a decoder built on msgp's
// Read*Bytes in a differential fuzz test).
//
// tinylib/msgp was chosen over vmihailenco/msgpack/v5 because its runtime
// works on []byte without reflection and without an intermediate reader,
// which suits a codec that walks WAMP's generic values by hand; it is
// actively maintained (v1.6.x, 2025) and needs only go 1.24.
// vmihailenco/msgpack/v5 has had no release since v5.4.1 (2023) and decodes
// generic values through reflection.
//
// Strings are msgpack str, binary values msgpack bin. A str is UTF-8 both
// ways: Unmarshal fails with ErrMalformed, AppendMessage and AppendValue
// with ErrUnsupportedType for a string, dict key or URI that is not UTF-8
// (send such bytes as []byte). Integers use the shortest form,
// non-negative ones as unsigned types, as Autobahn's msgpack does; floats
// are float64; dict keys are sorted.
//
//	var s msgpack.Serializer
//	b, err := s.AppendMessage(nil, &wamp.Yield{Request: 1, Args: wamp.List{"ok"}})
//	m, err := s.Unmarshal(b)
//
// Concurrency: Serializer is stateless and safe for concurrent use.
//
// Limits: nesting depth MaxDepth; container sizes are checked against the
// bytes left before anything is allocated; extension types are rejected.
package msgpack
