package bzip2

import (
	"bytes"
	stdbzip2 "compress/bzip2"
	"errors"
	"strconv"
	"sync"

	"github.com/dsnet/compress/bzip2"

	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/ext/internal/extutil"
)

// Name is the extension token Autobahn|Python uses.
const Name = "permessage-bzip2"

const (
	paramServerLevel = "server_max_compress_level"
	paramClientLevel = "client_max_compress_level"
)

// Defaults of Options.
const (
	DefaultThreshold = 128
	DefaultLevel     = 1
)

// Options configure permessage-bzip2.
type Options struct {
	// Threshold is the size below which messages are sent uncompressed
	// (default 128 bytes; negative: compress every message).
	Threshold int
	// Level (1–9, default 1) is the bzip2 block size in units of 100 kB
	// this side compresses with, lowered to what the peer asks. Messages
	// under 100 kB compress the same at every level; higher levels cost
	// more memory per message being compressed (≈ 1 MB per level).
	Level int
	// ServerMaxCompressLevel (1–9, 0: none): a client requests that the
	// server compress at this level or lower (server_max_compress_level).
	ServerMaxCompressLevel int
	// ClientMaxCompressLevel (1–9, 0: none): a server asks clients that
	// accept it (every client of this package does) to compress at this
	// level or lower (client_max_compress_level).
	ClientMaxCompressLevel int
}

func clampLevel(l int) int { return min(max(l, 0), 9) }

// New returns permessage-bzip2 configured by o, for ws.Options.Extensions.
// Out-of-range levels are clamped to 1–9 (0 stays "none").
func New(o Options) ws.Extension {
	if o.Threshold == 0 {
		o.Threshold = DefaultThreshold
	}
	if o.Level == 0 {
		o.Level = DefaultLevel
	}
	o.Level = max(clampLevel(o.Level), 1)
	o.ServerMaxCompressLevel = clampLevel(o.ServerMaxCompressLevel)
	o.ClientMaxCompressLevel = clampLevel(o.ClientMaxCompressLevel)
	return &extension{o: o}
}

type extension struct{ o Options }

func (e *extension) Name() string { return Name }

// Offers says, as Autobahn does, that the client accepts
// client_max_compress_level, and requests server_max_compress_level if
// configured.
func (e *extension) Offers() []ws.ExtensionOffer {
	o := ws.ExtensionOffer{Name: Name, Params: []ws.ExtensionParam{{Name: paramClientLevel}}}
	if l := e.o.ServerMaxCompressLevel; l > 0 {
		o.Params = append(o.Params, ws.ExtensionParam{Name: paramServerLevel, Value: strconv.Itoa(l)})
	}
	return []ws.ExtensionOffer{o}
}

// params are an offer's or answer's levels: 0 when absent, -1 for a
// client_max_compress_level without value (an offer's "I accept it").
type params struct{ server, client int }

func parseParams(o ws.ExtensionOffer, offer bool) (params, error) {
	m, err := extutil.Params(o, paramServerLevel, paramClientLevel)
	if err != nil {
		return params{}, err
	}
	var p params
	for name, v := range m {
		l, ok := extutil.Int(v, 1, 9)
		if name == paramClientLevel && offer {
			l, ok = -1, v == "" // Autobahn: a flag in an offer
		}
		if !ok {
			return params{}, errors.Join(extutil.ErrParam, errors.New("bad "+name+" value "+strconv.Quote(v)))
		}
		if name == paramServerLevel {
			p.server = l
		} else {
			p.client = l
		}
	}
	return p, nil
}

// Accept takes the first offer with valid parameters, grants its
// server_max_compress_level and asks ClientMaxCompressLevel of a client
// that accepts it.
func (e *extension) Accept(offers []ws.ExtensionOffer) (ws.ExtensionOffer, ws.Codec, bool, error) {
	for _, o := range offers {
		p, err := parseParams(o, true)
		if err != nil {
			continue
		}
		ans := ws.ExtensionOffer{Name: Name}
		level := e.o.Level
		if p.server > 0 {
			level = min(level, p.server)
			ans.Params = append(ans.Params, ws.ExtensionParam{Name: paramServerLevel, Value: strconv.Itoa(p.server)})
		}
		if p.client != 0 && e.o.ClientMaxCompressLevel > 0 {
			ans.Params = append(ans.Params, ws.ExtensionParam{Name: paramClientLevel, Value: strconv.Itoa(e.o.ClientMaxCompressLevel)})
		}
		return ans, &codec{threshold: e.o.Threshold, level: level}, true, nil
	}
	return ws.ExtensionOffer{}, nil, false, nil
}

// Accepted checks the server's answer: levels 1–9, and the requested
// server level echoed, not raised.
func (e *extension) Accepted(ans ws.ExtensionOffer) (ws.Codec, error) {
	p, err := parseParams(ans, false)
	if err != nil {
		return nil, err
	}
	if want := e.o.ServerMaxCompressLevel; want > 0 && p.server > want {
		return nil, errors.New("permessage-bzip2: server_max_compress_level above the one requested")
	}
	level := e.o.Level
	if p.client > 0 {
		level = min(level, p.client)
	}
	return &codec{threshold: e.o.Threshold, level: level}, nil
}

// ErrCorrupt is returned (and the connection closed with 1007) for a
// message that is not a valid bzip2 stream.
var ErrCorrupt = errors.New("permessage-bzip2: corrupt stream")

// codec compresses every message as a bzip2 stream of its own (Autobahn
// starts a new compressor and decompressor per message), so it keeps no
// state between messages: compressors and decompressors are pooled.
type codec struct {
	threshold int
	level     int
	w         *writer // during a message
	in        *[]byte // compressed pieces of a fragmented message
}

func (c *codec) Rsv() byte { return ws.Rsv1 }

func (c *codec) Encodes(op ws.Opcode, n int) bool { return n < 0 || n >= c.threshold }

// ShareKey: the output depends only on the message and the level.
func (c *codec) ShareKey() string { return "bzip2/" + strconv.Itoa(c.level) }

// writer is a pooled bzip2.Writer that appends to a slice.
type writer struct {
	zw *bzip2.Writer
	extutil.Sink
}

var writerPools [9]sync.Pool

func (c *codec) Encode(dst, p []byte, final bool) ([]byte, error) {
	if c.w == nil {
		w, _ := writerPools[c.level-1].Get().(*writer)
		if w == nil {
			w = new(writer)
			var err error
			if w.zw, err = bzip2.NewWriter(w, &bzip2.WriterConfig{Level: c.level}); err != nil {
				return dst, err
			}
		} else if err := w.zw.Reset(w); err != nil {
			return dst, err
		}
		c.w = w
	}
	w := c.w
	w.Out = dst
	_, err := w.zw.Write(p)
	if err == nil && final {
		err = w.zw.Close()
	}
	dst, w.Out = w.Out, nil
	if final || err != nil {
		c.w = nil
		if err == nil {
			writerPools[c.level-1].Put(w)
		}
	}
	return dst, err
}

// reader is a pooled decompressor with its source.
type reader struct {
	zr  *bzip2.Reader
	src bytes.Reader
}

var readerPool = sync.Pool{New: func() any {
	r := new(reader)
	r.zr, _ = bzip2.NewReader(&r.src, nil)
	return r
}}

var bufPool = sync.Pool{New: func() any { return new([]byte) }}

// CostlyDecode (ws.CostlyDecoder): decoding bzip2 costs much more than
// deflate (a block of up to 900 kB is inverted whole), so event-loop
// drivers decode off the loop.
func (c *codec) CostlyDecode() bool { return true }

// Decode buffers the pieces of a message and decompresses it on the final
// one, 32 KiB at a time, stopping past limit. A stream whose prefix trees
// all fill their code space, as every encoder writes them (and whose
// trees' lookup tables stay in proportion to its size), is decoded by a
// pooled github.com/dsnet/compress reader; any other by the standard
// library's, which allocates its block array (up to 3.6 MB) per message
// but whose work is bounded by the block: dsnet's reader explores the code
// space a tree leaves empty, up to 2^20 codes per tree, so that a block of
// 80 bytes cost it a third of a CPU-second (see completeTrees).
func (c *codec) Decode(dst, p []byte, final bool, limit int64) ([]byte, error) {
	if !final || c.in != nil {
		if c.in == nil {
			c.in = bufPool.Get().(*[]byte)
		}
		*c.in = append(*c.in, p...)
		if !final {
			return dst, nil
		}
		p = *c.in
	}
	var err error
	if completeTrees(p) {
		r := readerPool.Get().(*reader)
		r.src.Reset(p)
		if err = r.zr.Reset(&r.src); err == nil {
			dst, err = extutil.ReadLimited(dst, r.zr, limit)
		}
		r.src.Reset(nil)
		if err == nil {
			// Only a reader that reached the end of its stream goes
			// back: one stopped early (too big, corrupt) may hold the
			// rest of a block.
			readerPool.Put(r)
		}
	} else {
		dst, err = extutil.ReadLimited(dst, stdbzip2.NewReader(bytes.NewReader(p)), limit)
	}
	if c.in != nil {
		if cap(*c.in) <= 64<<10 {
			*c.in = (*c.in)[:0]
			bufPool.Put(c.in)
		}
		c.in = nil
	}
	if err != nil && !errors.Is(err, ws.ErrMessageTooBig) {
		err = errors.Join(ErrCorrupt, err)
	}
	return dst, err
}
