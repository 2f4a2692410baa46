// Package json is the WAMP JSON serializer ("wamp.2.json", RawSocket id 1).
//
// Binary values travel as a string holding a NUL character followed by the
// standard base64 of the bytes ("\u0000" + base64), the convention of
// Autobahn; such strings decode back to []byte. The encoder writes compact
// JSON like Autobahn|Python (separators "," and ":", UTF-8 kept as is), with
// dict keys sorted so that the output is deterministic.
//
// Both directions are hand-written over []byte: no reflection, no
// encoding/json. Strings are scanned eight bytes at a time, the closing
// quote and backslashes found with bytes.IndexByte; the top-level list is
// read straight into a wamp.Wire, so IDs and URIs are never boxed. Against
// encoding/json (into []any, then the same FromList) the decoder measured
// about 3× faster on a small CALL and about 10× on a 4 KiB string, with 10
// instead of 30 allocations (BenchmarkUnmarshal, 2026-11-25, noisy shared
// machine).
// minio/simdjson-go (v0.4.5, Parse into a reused tape plus Interface to get
// the same generic values) measured slower on these messages on an AVX-512
// EPYC: geomean 2.2× our time over CALL/RESULT/EVENT small and 4 KiB
// (1.6× before the decoder's 2026-11-25 rework), and more bytes allocated
// (bench/wamp BenchmarkJSONDecode), so it is not used; it would also need
// an AVX2 CPU and a fallback.
//
//	var s json.Serializer
//	b, err := s.AppendMessage(nil, &wamp.Call{Request: 1, Procedure: "com.example.add", Arguments: wamp.List{1, 2}})
//	m, err := s.Unmarshal(b)
//
// Concurrency: Serializer is stateless and safe for concurrent use.
//
// Limits: nesting deeper than MaxDepth is rejected; numbers without a
// fraction or exponent decode to int64 (uint64 above MaxInt64), others to
// float64; invalid UTF-8 is rejected both ways (RFC 8259 8.1): Unmarshal
// fails with ErrSyntax, AppendMessage with ErrUnsupportedType for a
// string or dict key that is not UTF-8 (send such bytes as []byte).
package json
