package deflate

import (
	"bytes"
	"compress/flate"
	"io"
	"testing"
)

// FuzzReview16cDecodeVsFlate compares Decode with compress/flate reading
// the message plus the RFC 7692 tail (its final block alone after an empty
// or unstripped message), twice in a row (the second time
// through the kept window with context takeover): whatever Decode accepts
// compress/flate decodes to the same bytes; whatever compress/flate
// decodes, reading into the tail (no data after a final block, which
// Decode refuses) and within the limit, Decode accepts.
func FuzzReview16cDecodeVsFlate(f *testing.F) {
	f.Add([]byte{0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}, false)
	f.Add([]byte{0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00}, true)
	f.Add([]byte{0xf2, 0x00, 0x11, 0x00, 0x00}, false)
	f.Add([]byte{0x00}, false)
	f.Add([]byte{0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00}, false)
	f.Add([]byte{0x4a, 0x4c, 0x4a, 0x06, 0x00, 0x00}, false)
	f.Fuzz(func(t *testing.T, z []byte, nct bool) {
		const limit = 1 << 16
		dec := newCodec(config{decBits: 15, decNoContext: nct})
		var hist []byte
		for i := 0; i < 2; i++ {
			got, err := dec.Decode(nil, z, true, limit)
			// RFC 7692 7.2.2's append-and-inflate, as zlib streams it,
			// finds an empty message, or one whose sender did not strip
			// 00 00 ff ff, at a block boundary: only the final block
			// follows (Decode takes both).
			ref := tail
			if len(z) == 0 || bytes.HasSuffix(z, tail[:4]) {
				ref = tail[4:]
			}
			src := bytes.NewReader(append(append([]byte(nil), z...), ref...))
			want, ferr := io.ReadAll(io.LimitReader(flate.NewReaderDict(src, hist), limit+1))
			intoTail := src.Len() < len(ref)
			switch {
			case err == nil && (ferr != nil || !bytes.Equal(got, want)):
				t.Fatalf("message %d: Decode gave %d bytes, compress/flate %d bytes, %v", i, len(got), len(want), ferr)
			case err != nil && ferr == nil && intoTail && len(want) <= limit:
				t.Fatalf("message %d: Decode: %v; compress/flate: %d bytes", i, err, len(want))
			case err != nil:
				return
			}
			if !nct {
				hist = append(hist, got...)
				hist = hist[max(0, len(hist)-32<<10):]
			}
		}
	})
}
