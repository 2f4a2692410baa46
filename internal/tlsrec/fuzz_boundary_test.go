package tlsrec

import (
	"bytes"
	"encoding/binary"
	"io"
	"testing"
)

// piecesReader hands out its input in pieces of the sizes cuts gives.
type piecesReader struct {
	b    []byte
	cuts []byte
	i    int
}

func (r *piecesReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := min(len(p), len(r.b), cutsOf(r.cuts, r.i))
	r.i++
	copy(p, r.b[:n])
	r.b = r.b[n:]
	return n, nil
}

// FuzzRecordReader: whatever the peer sends (record headers with any
// lengths, in any pieces) and however much crypto/tls asks for,
// RecordReader hands out the stream exactly, never a byte past the end of
// a record's header or body, and reports at each point where the
// records, read by their headers, end.
func FuzzRecordReader(f *testing.F) {
	f.Add([]byte{22, 3, 1, 0, 2, 1, 2, 23, 3, 3, 0, 0, 21, 3, 3, 0, 1, 9}, []byte{0}, []byte{255})
	f.Add([]byte{22, 3, 1, 0xff, 0xff, 1}, []byte{1, 2}, []byte{3})
	f.Add(append([]byte{23, 3, 3, 1, 0}, make([]byte, 0x100)...), []byte{255}, []byte{0, 200})
	f.Add([]byte{1, 2, 3}, []byte(nil), []byte(nil))
	f.Fuzz(func(t *testing.T, stream, cuts, asks []byte) {
		// The reference: the offsets where a header or a body ends.
		ends := map[int]bool{}
		recordEnds := map[int]bool{0: true}
		for off := 0; off < len(stream); {
			h := min(off+HeaderLen, len(stream))
			ends[h] = true
			if h-off < HeaderLen {
				break
			}
			n := int(binary.BigEndian.Uint16(stream[off+3:]))
			end := min(h+n, len(stream))
			ends[end] = true
			if end == h+n {
				recordEnds[end] = true
			}
			off = end
		}
		rr := RecordReader(&piecesReader{b: stream, cuts: cuts})
		var b Boundary
		var got []byte
		buf := make([]byte, 256*129)
		for i := 0; ; i++ {
			p := buf[:min(cutsOf(asks, i), 256)*(1+i%3*64)] // up to 33 KB: a record and more
			n, err := rr.Read(p)
			if n < 0 || n > len(p) {
				t.Fatalf("read %d of %d", n, len(p))
			}
			start := len(got)
			got = append(got, p[:n]...)
			for off := start + 1; off < len(got); off++ {
				if ends[off] {
					t.Fatalf("read [%d, %d) crosses the end at %d", start, len(got), off)
				}
			}
			if n > 0 {
				b.Took(p[:n])
				if b.AtStart() != recordEnds[len(got)] {
					t.Fatalf("at %d: AtStart %v, records end %v", len(got), b.AtStart(), recordEnds[len(got)])
				}
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(got, stream) {
			t.Fatalf("read %x, sent %x", got, stream)
		}
	})
}
