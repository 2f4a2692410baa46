package deflate

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"sync"

	"github.com/klauspost/compress/flate"

	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/ext/internal/extutil"
)

// config is what negotiation settled for one side of a connection: enc*
// for the messages it sends, dec* for those it receives.
type config struct {
	threshold    int
	level        int
	encNoContext bool
	encBits      int
	decNoContext bool
	decBits      int
}

// codec is the per-connection ws.Codec. Encoding and decoding use disjoint
// fields, so one goroutine may write while another reads.
//
// Memory: without context takeover an idle connection holds no compressor
// or decompressor state (both come from pools for one message); with it,
// the sending side keeps an lzEncoder (window + slack + 16 KiB) and the
// receiving side the peer's window (1<<decBits bytes, at least 512).
type codec struct {
	cfg      config
	shareKey string

	// Encoding.
	lz      *lzEncoder // kept with context takeover, pooled without
	fw      *flateWriter
	started bool // a message is being encoded

	// Decoding.
	hist []byte  // the last bytes received (context takeover): see remember
	in   *[]byte // compressed pieces of a fragmented message, pooled
}

func newCodec(cfg config) *codec {
	c := &codec{cfg: cfg}
	if cfg.encNoContext {
		if c.useFlate() {
			c.shareKey = "deflate/l" + strconv.Itoa(cfg.level)
		} else {
			c.shareKey = "deflate/w" + strconv.Itoa(cfg.encBits)
		}
	}
	return c
}

func (c *codec) Rsv() byte { return ws.Rsv1 }

func (c *codec) Encodes(op ws.Opcode, n int) bool { return n < 0 || n >= c.cfg.threshold }

// ShareKey is "" with context takeover; without, the output depends only on
// the message and the compressor settings the key names.
func (c *codec) ShareKey() string { return c.shareKey }

// useFlate reports whether messages are compressed with a pooled
// klauspost/compress/flate writer: without context takeover at the full
// window (those writers cannot limit their window below 32 KiB and are too
// big to keep per connection).
func (c *codec) useFlate() bool { return c.cfg.encNoContext && c.cfg.encBits == 15 }

func (c *codec) Encode(dst, p []byte, final bool) ([]byte, error) {
	whole := final && !c.started
	c.started = !final
	if c.useFlate() {
		return c.encodeFlate(dst, p, final)
	}
	if c.lz == nil {
		if c.cfg.encNoContext {
			c.lz = lzPools[c.cfg.encBits-8].Get().(*lzEncoder)
			c.lz.reset()
		} else {
			c.lz = newLZ(c.cfg.encBits)
		}
	}
	dst = c.lz.encode(dst, p, final, whole)
	if final && c.cfg.encNoContext {
		lzPools[c.cfg.encBits-8].Put(c.lz)
		c.lz = nil
	}
	return dst, nil
}

// lzPools hold encoders for messages without context takeover, one pool
// per window size (8–15 bits).
var lzPools [8]sync.Pool

func init() {
	for i := range lzPools {
		bits := i + 8
		lzPools[i].New = func() any { return newLZ(bits) }
	}
}

// flateWriter is a pooled flate.Writer that appends to a slice.
type flateWriter struct {
	w *flate.Writer
	extutil.Sink
}

var flatePools [9]sync.Pool

func (c *codec) encodeFlate(dst, p []byte, final bool) ([]byte, error) {
	if c.fw == nil {
		pool := &flatePools[c.cfg.level-1]
		fw, _ := pool.Get().(*flateWriter)
		if fw == nil {
			fw = new(flateWriter)
			var err error
			if fw.w, err = flate.NewWriter(fw, c.cfg.level); err != nil {
				return dst, err
			}
		} else {
			fw.w.Reset(fw)
		}
		c.fw = fw
	}
	fw := c.fw
	fw.Out = dst
	_, err := fw.w.Write(p)
	if err == nil && final {
		err = fw.w.Flush()
	}
	dst, fw.Out = fw.Out, nil
	if err != nil || !final {
		return dst, err
	}
	// A sync flush ends with an empty stored block: 00 00 ff ff goes.
	if n := len(dst); n >= 4 && dst[n-4] == 0 && dst[n-3] == 0 && dst[n-2] == 0xff && dst[n-1] == 0xff {
		dst = dst[:n-4]
	}
	flatePools[c.cfg.level-1].Put(fw)
	c.fw = nil
	return dst, nil
}

// tail ends every received message (RFC 7692 §7.2.2): the stripped
// 00 00 ff ff, then an empty final stored block so that the decompressor
// reaches the end of its stream. A message that already ended with a
// final block never reads it.
var tail = []byte{0, 0, 0xff, 0xff, 1, 0, 0, 0xff, 0xff}

// syncTail is the 00 00 ff ff a sender strips (RFC 7692 §7.2.1).
var syncTail = tail[:4]

// messageTail returns what follows src, a whole compressed message. Zlib
// based receivers (the RFC's append-and-inflate) also accept a payload
// whose sender did not strip 00 00 ff ff (as one that flushes every
// fragment and ends with an empty one has nothing left to strip), and an
// empty payload; both end at a block boundary, so only the final block
// follows. A payload that was stripped never ends with 00 00 ff ff: its
// last byte holds the header of the empty stored block, and a final
// block before it is never read past.
func messageTail(src []byte) []byte {
	if len(src) == 0 || bytes.HasSuffix(src, syncTail) {
		return tail[4:]
	}
	return tail
}

// ErrCorrupt is returned (and the connection closed with 1007) for a
// message that is not valid DEFLATE data.
var ErrCorrupt = errors.New("permessage-deflate: corrupt compressed data")

var errTrailing = errors.New("data after the final block")

// Decode buffers the compressed pieces of a message and inflates it on the
// final piece, in chunks, stopping past limit. The decompressor comes from
// a pool and goes back at once; with context takeover it is primed with
// the peer's window kept from the previous messages.
func (c *codec) Decode(dst, p []byte, final bool, limit int64) ([]byte, error) {
	if !final || c.in != nil {
		if c.in == nil {
			c.in = bufPool.Get().(*[]byte)
		}
		*c.in = append(*c.in, p...)
		if !final {
			return dst, nil
		}
	}
	src := p
	if c.in != nil {
		src = *c.in
	}
	fr := readerPool.Get().(*flateReader)
	fr.a, fr.b = src, messageTail(src)
	var dict []byte
	if !c.cfg.decNoContext {
		dict = c.hist
	}
	start := len(dst)
	var err error
	if err = fr.r.(flate.Resetter).Reset(fr, dict); err == nil {
		dst, err = extutil.ReadLimited(dst, fr.r, limit)
	}
	if err == nil && fr.b != nil && !afterFinal(fr.a) {
		err = errTrailing
	}
	fr.a, fr.b = nil, nil
	if err == nil { // a reader stopped early is not reused
		readerPool.Put(fr)
	}
	if c.in != nil {
		if cap(*c.in) <= 64<<10 {
			*c.in = (*c.in)[:0]
			bufPool.Put(c.in)
		}
		c.in = nil
	}
	switch {
	case errors.Is(err, ws.ErrMessageTooBig):
		return dst, err
	case err != nil:
		return dst, errors.Join(ErrCorrupt, err)
	}
	if !c.cfg.decNoContext {
		c.remember(dst[start:])
	}
	return dst, nil
}

// afterFinal reports whether rest, what the peer's data held after a
// final block (BFINAL), may be ignored. The stream ended, so those bytes
// are not DEFLATE data (and a context-takeover window would silently lose
// them). Only the empty stored block RFC 7692 §7.2.3.4 appends may follow:
// its 0x00 header byte (none if its header bits shared the final block's
// last byte), and its 00 00 ff ff if the sender did not strip them.
func afterFinal(rest []byte) bool {
	rest = bytes.TrimSuffix(rest, syncTail)
	return len(rest) == 0 || len(rest) == 1 && rest[0] == 0
}

// remember keeps the last 1<<decBits bytes of what was received, and at
// least 512: zlib cannot compress raw DEFLATE with a 256-byte window, so a
// peer that negotiated 8 bits may use 9 (old zlib silently does).
func (c *codec) remember(out []byte) {
	w := 1 << max(c.cfg.decBits, 9)
	if c.hist == nil {
		c.hist = make([]byte, 0, w)
	}
	if len(out) >= w {
		c.hist = append(c.hist[:0], out[len(out)-w:]...)
		return
	}
	if drop := len(c.hist) + len(out) - w; drop > 0 {
		n := copy(c.hist, c.hist[drop:])
		c.hist = c.hist[:n]
	}
	c.hist = append(c.hist, out...)
}

var bufPool = sync.Pool{New: func() any { return new([]byte) }}

// flateReader is a pooled decompressor reading a then b without copying;
// being an io.ByteReader keeps flate from adding a bufio.Reader.
type flateReader struct {
	r    io.ReadCloser
	a, b []byte
}

var readerPool = sync.Pool{New: func() any {
	fr := new(flateReader)
	fr.r = flate.NewReader(fr)
	return fr
}}

func (f *flateReader) ReadByte() (byte, error) {
	if len(f.a) == 0 {
		f.a, f.b = f.b, nil
		if len(f.a) == 0 {
			return 0, io.EOF
		}
	}
	b := f.a[0]
	f.a = f.a[1:]
	return b, nil
}

func (f *flateReader) Read(p []byte) (int, error) {
	if len(f.a) == 0 {
		f.a, f.b = f.b, nil
		if len(f.a) == 0 {
			return 0, io.EOF
		}
	}
	n := copy(p, f.a)
	f.a = f.a[n:]
	return n, nil
}
