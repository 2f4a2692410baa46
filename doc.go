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
//   - ws/wsloop: the same WebSocket handlers on the event loop, with no
//     goroutine and no buffer per idle connection.
//   - ws/ext/...: permessage-deflate, -bzip2 and -snappy.
//   - wamp, wamp/serialize/..., wamp/transport/...: the WAMP vocabulary,
//     its codecs and transports; wamp/client, WAMP sessions and a
//     reconnecting Component; wamp/router, a WAMP router.
//
// README.md has the quick start and the map of the packages,
// docs/architecture.md how they fit together; the folder
// examples holds small programs, each run by its test. The command
// cmd/autobahn is the one binary (serve, bench, nvx, wamp, version; the
// code is internal/cli); wamp/router/natsfabric/cmd/autobahn-fabric, a
// module of its own, is the same with NATS (serve --nats).
package autobahn
