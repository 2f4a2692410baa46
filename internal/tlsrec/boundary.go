package tlsrec

import (
	"encoding/binary"
	"io"
)

// A Boundary follows the record headers of a stream, for a reader that
// must hand out no byte past the end of the record it is in (crypto/tls
// reads ahead whatever its connection has, and what it read ahead would
// stay in the tls.Conn, out of reach of Conn.Open). Its zero value is at
// the start of a record.
type Boundary struct {
	nhdr uint8           // bytes of the current record's header seen
	hdr  [HeaderLen]byte // that header
	body int             // bytes of the current record's body still to come
}

// Next returns how many bytes the current piece still takes: the rest of
// the record's header, or of its body.
func (b *Boundary) Next() int {
	if b.body > 0 {
		return b.body
	}
	return HeaderLen - int(b.nhdr)
}

// Took follows p, the next bytes of the stream (at most Next of them),
// and reports whether they ended a record.
func (b *Boundary) Took(p []byte) (ended bool) {
	if b.body > 0 {
		b.body -= len(p)
		return b.body == 0
	}
	b.nhdr += uint8(copy(b.hdr[b.nhdr:], p))
	if b.nhdr < HeaderLen {
		return false
	}
	b.nhdr, b.body = 0, int(binary.BigEndian.Uint16(b.hdr[3:]))
	return b.body == 0
}

// AtStart reports whether the stream so far ended a record.
func (b *Boundary) AtStart() bool { return b.nhdr == 0 && b.body == 0 }

// RecordReader returns a reader of r, for crypto/tls's server to read
// the handshake through, that never reads past the end of the record
// crypto/tls asks for. crypto/tls reads ahead whatever the connection
// has, and a client may send its first application data right after its
// Finished: that would stay in the tls.Conn, out of reach of Conn.Open.
// Read through RecordReader, it stays in the connection.
func RecordReader(r io.Reader) io.Reader { return &recordReader{r: r} }

type recordReader struct {
	r io.Reader
	b Boundary
}

func (rr *recordReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	n, err := rr.r.Read(p[:min(len(p), rr.b.Next())])
	rr.b.Took(p[:n])
	return n, err
}
