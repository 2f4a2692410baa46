// Package autobahn is the root of Autobahn|Go, the Go counterpart of
// Autobahn|Python: WebSocket (RFC 6455, RFC 7692) and WAMP for Go, built as a
// performance-focused network accelerator toolkit.
//
// The toolkit is a set of small packages, usable on their own:
//
//   - nvx: CPU features and the registry of SIMD kernel implementations, with
//     the AUTOBAHN_NVX switch to cap or turn them off.
//   - xor: WebSocket masking with SSE2, AVX2, AVX-512 and NEON kernels and a
//     pure-Go twin.
//   - eventloop: an epoll/kqueue reactor for very many connections.
//   - ws, ws/wshttp: RFC 6455 WebSocket, sans-I/O core plus a goroutine
//     driver for clients and net/http servers.
//
// Compression, the event-loop WebSocket driver and WAMP grow on top of these;
// see README.md and DESIGN.md for the map. The command cmd/autobahn is the one
// binary.
package autobahn
