// Package json is the WAMP JSON serializer ("wamp.2.json", RawSocket id 1).
//
// Binary values travel as a string holding a NUL character followed by the
// standard base64 of the bytes ("\u0000" + base64), the convention of
// Autobahn; such strings decode back to []byte. The encoder writes compact
// JSON like Autobahn|Python (separators "," and ":", UTF-8 kept as is), with
// dict keys sorted so that the output is deterministic.
//
// Both directions are hand-written over []byte: no reflection, no
// encoding/json; strings are scanned eight bytes at a time. Against
// encoding/json (into []any, then the same FromList) the decoder measured
// about 1.7× faster on a small CALL and about 4× on a 4 KiB string, with
// 17 instead of 30 allocations (BenchmarkUnmarshal, noisy shared machine).
// minio/simdjson-go (v0.4.5, Parse into a reused tape plus Interface to get
// the same generic values) measured slower on these messages on an AVX-512
// EPYC: geomean 1.6× our time over CALL/RESULT/EVENT small and 4 KiB, and
// twice the bytes allocated on 4 KiB (bench/wamp BenchmarkJSONDecode), so
// it is not used; it would also need an AVX2 CPU and a fallback.
//
//	var s json.Serializer
//	b, err := s.AppendMessage(nil, &wamp.Call{Request: 1, Procedure: "com.example.add", Arguments: wamp.List{1, 2}})
//	m, err := s.Unmarshal(b)
//
// Concurrency: Serializer is stateless and safe for concurrent use.
//
// Limits: nesting deeper than MaxDepth is rejected; numbers without a
// fraction or exponent decode to int64 (uint64 above MaxInt64), others to
// float64; invalid UTF-8 is rejected.
package json
