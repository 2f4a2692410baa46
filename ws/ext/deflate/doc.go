// Package deflate implements permessage-deflate (RFC 7692), the WebSocket
// compression extension that browsers offer, for ws.Options.Extensions:
//
//	opts := &ws.Options{Extensions: []ws.Extension{deflate.New(deflate.Options{})}}
//
// A client offers it; a server accepts the first offer with valid
// parameters and honours every parameter of RFC 7692 §7.1: context takeover
// or not in each direction, and any window from 8 to 15 bits. A client
// checks the server's answer against its offer. What Options ask of a
// peer is never below 9 bits, which every zlib-based peer can honour.
//
// Memory. With context takeover (the default) the sending side keeps a
// small compressor of its own: the window, 1/4 of it as slack (at most
// 8 KiB) and a 16 KiB hash table, 56 KiB at the default 32 KiB window;
// the receiving side keeps the peer's window (32 KiB by default). The
// compress/flate and klauspost/compress/flate writers need 0.8–1.4 MB
// each and cannot be kept per connection. Without context takeover an idle connection keeps
// nothing: messages are compressed with pooled klauspost/compress/flate
// writers (at Options.Level) and inflated with pooled readers, and a
// ws.PreparedMessage is compressed once for every such connection.
// Smaller windows (ServerMaxWindowBits, ClientMaxWindowBits) shrink what
// a connection keeps, at some cost in ratio.
//
// Limits. A received message is inflated in 32 KiB chunks and refused
// with 1009 once it exceeds ws.Options.MaxMessagePayload, so a
// decompression bomb costs at most the limit plus one chunk. The pieces of
// a fragmented compressed message are buffered until its last frame
// (their total is bounded by MaxMessagePayload too) and inflated then, so
// a ws.Conn's NextReader sees a compressed message in one piece.
//
// Concurrency: an Extension may serve any number of connections; each
// connection's codec encodes one message at a time while another goroutine
// decodes.
package deflate
