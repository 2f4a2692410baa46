// Package extutil holds what the compression extensions in ws/ext share:
// strict parsing of extension parameters and bounded decompression.
package extutil

import (
	"errors"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/autobahn-go/autobahn/ws"
)

// ErrParam is returned for an extension offer or answer whose parameters
// are unknown, repeated or malformed (RFC 7692 §5: such an offer is
// declined, such an answer fails the connection).
var ErrParam = errors.New("ws/ext: invalid extension parameter")

// Params returns o's parameters by lower-case name, allowing only the given
// names, each at most once. A parameter without a value maps to "".
func Params(o ws.ExtensionOffer, known ...string) (map[string]string, error) {
	m := make(map[string]string, len(o.Params))
	for _, p := range o.Params {
		name := strings.ToLower(p.Name)
		ok := false
		for _, k := range known {
			ok = ok || name == k
		}
		if !ok {
			return nil, errors.Join(ErrParam, errors.New("unknown parameter "+p.Name))
		}
		if _, dup := m[name]; dup {
			return nil, errors.Join(ErrParam, errors.New("repeated parameter "+p.Name))
		}
		m[name] = p.Value
	}
	return m, nil
}

// Int parses a parameter value that must be a decimal integer without
// leading zeros in [lo, hi].
func Int(v string, lo, hi int) (int, bool) {
	if v == "" || len(v) > 3 || (v[0] == '0' && len(v) > 1) {
		return 0, false
	}
	n := 0
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return 0, false
		}
		n = n*10 + int(v[i]-'0')
	}
	return n, n >= lo && n <= hi
}

// Chunk is how much ReadLimited asks of a decompressor at a time: the most
// it produces past a limit.
const Chunk = 32 << 10

var chunkPool = sync.Pool{New: func() any { return new([Chunk]byte) }}

// ReadLimited appends what r produces to dst, Chunk bytes at a time, until
// io.EOF. Once more than limit bytes (limit < 0: no limit) were appended it
// stops with an error matching ws.ErrMessageTooBig, so a decompression bomb
// costs at most limit + Chunk bytes. Other read errors are returned as
// they are. Reads go through a pooled buffer, so that dst (which a Conn
// keeps between messages) grows only to what was produced.
func ReadLimited(dst []byte, r io.Reader, limit int64) ([]byte, error) {
	buf := chunkPool.Get().(*[Chunk]byte)
	defer chunkPool.Put(buf)
	start := len(dst)
	for {
		n, err := r.Read(buf[:])
		dst = append(Grow(dst, n), buf[:n]...)
		if limit >= 0 && int64(len(dst)-start) > limit {
			return dst, ws.ErrMessageTooBig
		}
		if err == io.EOF {
			return dst, nil
		}
		if err != nil {
			return dst, err
		}
	}
}

// Grow makes room for n more bytes in dst, at least doubling it: append's
// gentler growth of large slices would copy a big output several times.
func Grow(dst []byte, n int) []byte {
	if cap(dst)-len(dst) >= n {
		return dst
	}
	return slices.Grow(dst, max(len(dst), n))
}

// Sink is an io.Writer that appends to Out, for compressors that write to
// a stream while the codec appends to a caller's slice.
type Sink struct{ Out []byte }

func (s *Sink) Write(p []byte) (int, error) {
	s.Out = append(s.Out, p...)
	return len(p), nil
}
