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
// float64, and one beyond float64's range (1e400) is rejected with
// ErrSyntax rather than read as an infinity, which JSON cannot carry on
// (RFC 8259 6 allows the limit; encoding/json refuses it too); invalid
// UTF-8 is rejected both ways (RFC 8259 8.1): Unmarshal fails with
// ErrSyntax, AppendMessage with ErrUnsupportedType for a string or dict
// key that is not UTF-8 (send such bytes as []byte).
//
// A \u escape of a lone surrogate (one not followed by the escape of its
// other half) decodes to U+FFFD, as with encoding/json: JavaScript strings
// may hold one (a string cut in the middle of an emoji) and JSON.stringify
// sends it escaped, and a browser's WebSocket.send turns a raw one into
// U+FFFD too. Go strings are UTF-8, which cannot hold a surrogate.
//
// A dict with a duplicate key keeps the last value, as JSON.parse, Python's
// json.loads and encoding/json do (RFC 8259 4 leaves it open), although the
// MessagePack, CBOR and UBJSON decoders reject duplicates: JSON is the
// format of hand-written and dynamic-language peers (Python's json.dumps
// writes {1: "a", "1": "b"} with the key "1" twice), Autobahn|Python and
// Crossbar take the last value, and the router decodes a message once, so
// every part of it (authorizers, subscribers on any serializer) sees the
// same dict.
package json
