// Package snappy implements permessage-snappy, the compression extension
// of Autobahn|Python (not an RFC), for ws.Options.Extensions:
//
//	opts := &ws.Options{Extensions: []ws.Extension{snappy.New(snappy.Options{})}}
//
// It is wire compatible with Autobahn|Python's permessage-snappy, which
// writes the snappy framing format (github.com/google/snappy
// framing_format.txt) through python-snappy's StreamCompressor: a stream
// starts with the stream identifier chunk "sNaPpY", then chunks of at most
// 64 KiB of data, each compressed (unless that saves less than 12.5 %) and
// carrying the masked CRC-32C of its data. With context takeover one
// stream runs across all messages of a direction, so only the first
// message carries the identifier; with server_no_context_takeover or
// client_no_context_takeover every message is a stream of its own. The
// chunks themselves are independent, so a connection keeps no compressor
// state either way; the compressed bytes need not equal the C++ library's,
// only the format does.
//
// Negotiation follows Autobahn: in an offer, client_no_context_takeover
// says the client accepts being asked for it and server_no_context_takeover
// requests it; the answer grants the latter and may ask the former.
//
// Limits. Every complete chunk is decoded as it arrives, and a message is
// refused with 1009 once it exceeds ws.Options.MaxMessagePayload: at most
// the limit plus one chunk (64 KiB) is produced.
package snappy
