// Package ubjson is the WAMP UBJSON serializer ("wamp.2.ubjson", RawSocket
// id 4), written by hand after the UBJSON specification (draft 12) and the
// output of py-ubjson 0.16, the library Autobahn|Python 22.x uses.
//
// The encoder writes what py-ubjson writes: integers in the smallest of
// U (uint8), i (int8), I (int16), l (int32), L (int64), H above that;
// floats as D (float64); one-byte strings as C, others as S; dict keys as
// length + bytes; lists and dicts with end markers; []byte as the
// optimized container [$U#n. Dict keys are sorted. Strings and keys are
// UTF-8 both ways: Unmarshal fails with ErrMalformed, AppendMessage and
// AppendValue with an error wrapping ErrUnsupportedType for a string,
// dict key or URI that is not (send such bytes as []byte). The decoder also takes
// optimized containers ($ type, # count), d (float32), N (no-op) and H
// (high-precision numbers that fit int64, uint64 or float64).
//
// BJData (the little-endian UBJSON superset that Autobahn|Python 26.6+
// writes for "ubjson") is a different byte format and is not read.
//
//	var s ubjson.Serializer
//	b, err := s.AppendMessage(nil, &wamp.Subscribe{Request: 1, Topic: "com.example.t"})
//	m, err := s.Unmarshal(b)
//
// Concurrency: Serializer is stateless and safe for concurrent use.
//
// Limits: nesting depth MaxDepth; counts and lengths are checked against
// the bytes left before anything is allocated.
package ubjson
