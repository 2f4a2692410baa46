package ws_test

import (
	"errors"
	"testing"

	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/ext/bzip2"
	"github.com/autobahn-go/autobahn/ws/ext/deflate"
	"github.com/autobahn-go/autobahn/ws/ext/snappy"
)

// FuzzClientExtensions: the client's side of extension negotiation with
// the real extensions (CheckResponse, acceptedExtensions and each
// Extension's Accepted) takes any Sec-WebSocket-Extensions answer a server
// sends without a panic: an error matching ErrHandshake, or a codec only
// for a single answer naming an extension that was offered, whose encoder
// and decoder then run on a message.
func FuzzClientExtensions(f *testing.F) {
	for _, s := range []string{
		"permessage-deflate",
		"permessage-deflate; server_no_context_takeover; client_max_window_bits=8",
		"permessage-deflate; client_max_window_bits",
		`permessage-deflate; server_max_window_bits="9"`,
		"permessage-deflate; server_max_window_bits=16",
		"permessage-deflate, permessage-snappy",
		"permessage-snappy; client_no_context_takeover",
		"permessage-bzip2; server_max_compress_level=3",
		"permessage-bzip2; client_max_compress_level",
		"x-unknown",
		"",
	} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, answer string, reverse bool) {
		exts := []ws.Extension{deflate.New(deflate.Options{}), snappy.New(snappy.Options{}), bzip2.New(bzip2.Options{})}
		if reverse {
			exts = []ws.Extension{bzip2.New(bzip2.Options{Level: 1}), snappy.New(snappy.Options{ServerNoContextTakeover: true}),
				deflate.New(deflate.Options{ClientMaxWindowBits: 9, ServerNoContextTakeover: true})}
		}
		head := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Extensions: " + answer + "\r\n\r\n"
		var resp ws.Response
		if n, err := ws.ParseResponse(&resp, []byte(head), ws.HandshakeLimits{}); err != nil || n == 0 {
			return // not a header value
		}
		neg, err := ws.CheckResponse(&resp, "dGhlIHNhbXBsZSBub25jZQ==", nil, exts)
		if err != nil {
			if !errors.Is(err, ws.ErrHandshake) {
				t.Fatalf("%q: %T %v", answer, err, err)
			}
			return
		}
		if neg.Codec == nil {
			return
		}
		offers, err := ws.ParseExtensions([]string{answer})
		if err != nil || len(offers) != 1 {
			t.Fatalf("%q accepted: %v %d answers", answer, err, len(offers))
		}
		msg := []byte("hello, hello, hello, hello")
		enc, err := neg.Codec.Encode(nil, msg, true)
		if err != nil {
			t.Fatalf("%q: encode: %v", answer, err)
		}
		_, _ = neg.Codec.Decode(nil, enc, true, 1<<20) // the server's direction's settings: no panic is all
	})
}
