package deflate

import (
	"bytes"
	"compress/flate"
	"math/rand/v2"
	"testing"

	"github.com/autobahn-go/autobahn/ws"
)

// TestReview14Window8Quirk: zlib cannot compress raw DEFLATE with a
// 256-byte window; a peer that negotiated 8 window bits compresses with
// 9 (old zlib silently, newer peers by flooring their request). With
// context takeover its next message then copies from up to 512 bytes back
// into the previous one, which the receiver must still have, whether it
// answered client_max_window_bits=8 (server) or requested
// server_max_window_bits=8 (client).
func TestReview14Window8Quirk(t *testing.T) {
	// A client that offers 8 itself (options of 8 bits ask for 9).
	server := New(Options{ClientMaxWindowBits: 8})
	answer, sc, err := ws.NegotiateExtensions([]string{"permessage-deflate; client_max_window_bits=8"}, []ws.Extension{server})
	if err != nil || answer != "permessage-deflate; client_max_window_bits=8" {
		t.Fatalf("answer %q, %v", answer, err)
	}
	cc, err := New(Options{ServerMaxWindowBits: 8}).Accepted(ws.ExtensionOffer{Name: Name,
		Params: []ws.ExtensionParam{{Name: paramServerBits, Value: "8"}}})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(8, 9))
	first := make([]byte, 400)
	for i := range first {
		first[i] = byte(rng.Uint32())
	}
	second := append([]byte("again: "), first...) // copies from 407 bytes back
	for _, dec := range []ws.Codec{sc, cc} {
		var hist []byte
		for i, m := range [][]byte{first, second} {
			var z bytes.Buffer
			w, _ := flate.NewWriterDict(&z, 6, hist) // a 9-bit window continued
			_, _ = w.Write(m)
			_ = w.Flush()
			p := bytes.TrimSuffix(z.Bytes(), []byte{0, 0, 0xff, 0xff})
			got, err := dec.Decode(nil, p, true, -1)
			if err != nil || !bytes.Equal(got, m) {
				t.Fatalf("message %d: %d bytes, %v", i, len(got), err)
			}
			hist = append(hist, m...)
			hist = hist[max(0, len(hist)-512):]
		}
	}
}
