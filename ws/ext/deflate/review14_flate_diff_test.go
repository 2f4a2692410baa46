package deflate

import (
	"bytes"
	"compress/flate"
	"math/rand/v2"
	"testing"

	"github.com/autobahn-go/autobahn/ws/ext/internal/exttest"
)

// TestReview14DecodeStdlibFlate decodes what compress/flate writes as a
// permessage-deflate peer with context takeover would (each message
// compressed against the last 32 KiB sent, sync flushed, tail stripped),
// at every level: stored blocks (level 0), Huffman only, fixed and dynamic
// blocks, with copies reaching up to 32 KiB back into earlier messages.
// Received whole and in random pieces, every message must come out as
// sent.
func TestReview14DecodeStdlibFlate(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 15))
	for _, level := range []int{flate.NoCompression, flate.HuffmanOnly, 1, 5, 9} {
		_, sc, _ := exttest.Pair(t, New(Options{}), New(Options{}))
		var hist []byte
		for i := 0; i < 30; i++ {
			m := exttest.Message(rng, rng.IntN(4), rng.IntN(40000))
			if len(hist) > 0 && rng.IntN(3) == 0 { // repeat something from far back
				k := rng.IntN(len(hist))
				m = append(m, hist[k:min(len(hist), k+rng.IntN(2000))]...)
			}
			var z bytes.Buffer
			w, err := flate.NewWriterDict(&z, level, hist)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = w.Write(m)
			_ = w.Flush()
			p := bytes.TrimSuffix(z.Bytes(), []byte{0, 0, 0xff, 0xff})
			got, err := exttest.DecodePieces(sc, p, rng, -1)
			if err != nil || !bytes.Equal(got, m) {
				t.Fatalf("level %d message %d (%d bytes): %d bytes, %v", level, i, len(m), len(got), err)
			}
			hist = append(hist, m...)
			hist = hist[max(0, len(hist)-32<<10):]
		}
	}
}
