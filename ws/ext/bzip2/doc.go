// Package bzip2 implements permessage-bzip2, the compression extension of
// Autobahn|Python (not an RFC), for ws.Options.Extensions:
//
//	opts := &ws.Options{Extensions: []ws.Extension{bzip2.New(bzip2.Options{})}}
//
// It is wire compatible with Autobahn|Python's permessage-bzip2: every
// compressed message is one complete bzip2 stream (Autobahn starts a new
// BZ2Compressor and BZ2Decompressor per message; there is no context
// takeover). Negotiation follows Autobahn: in an offer,
// client_max_compress_level (no value) says the client accepts a level
// from the server and server_max_compress_level=N requests one; the
// answer echoes the latter and may carry client_max_compress_level=N.
//
// The standard library's compress/bzip2 only decompresses, so compression
// uses github.com/dsnet/compress/bzip2, which also decompresses with
// reusable (pooled) state. A stream with a prefix tree that does not fill
// its code space, which no encoder writes, is decompressed by the
// standard library instead (dsnet's reader could spend a third of a
// CPU-second on such an 80-byte block). Nothing is kept per connection
// between messages.
//
// Limits. The pieces of a fragmented message are buffered until its last
// frame (bounded by ws.Options.MaxMessagePayload), then decompressed
// 32 KiB at a time and refused with 1009 past MaxMessagePayload: a bzip2
// bomb, which can expand a few hundred bytes to gigabytes, costs at most
// the limit plus 32 KiB. bzip2 is slow and needs ≈ 1 MB per level to
// compress and up to ≈ 10 MB of (pooled) state to decompress a stream of
// 900 kB blocks, which Autobahn|Python sends by default; prefer
// permessage-deflate unless the peer only speaks bzip2.
package bzip2
