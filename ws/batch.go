package ws

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"time"

	autf8 "github.com/autobahn-go/autobahn/utf8"
	"github.com/autobahn-go/autobahn/xor"
)

// batchBytes bounds the buffer WriteMessages frames messages into, so it
// stays in bufPool: more frames than that take several writes, and a frame
// too large to fit alone is written the way WriteMessage writes it.
const batchBytes = 64 << 10

// WriteMessages sends each payload as one message of type op (OpText or
// OpBinary), in order and with no other message between them, with as few
// writes as it can: their frames are built into one buffer and written
// together, up to 64 KiB at a time (a larger frame is written on its own).
// Every message goes on the wire as WriteMessage would send it: encoded by
// the negotiated extension if any, split into frames of
// Options.AutoFragmentSize if set, each client frame with a mask key of
// its own. The payloads are not modified or retained.
//
// If a text payload is not UTF-8 the call is refused with ErrInvalidUTF8
// and nothing is sent. Otherwise errors are those of WriteMessage: a write
// that fails or that ctx interrupts drops the connection, and the messages
// before it may or may not have left.
func (c *Conn) WriteMessages(ctx context.Context, op Opcode, payloads [][]byte) error {
	if op != OpText && op != OpBinary {
		return errors.New("ws: WriteMessages needs OpText or OpBinary")
	}
	if op == OpText {
		for _, p := range payloads {
			if !autf8.Valid(p) {
				return ErrInvalidUTF8
			}
		}
	}
	if len(payloads) == 0 {
		return nil
	}
	if c.out != nil {
		if err := ctx.Err(); err != nil {
			return err
		}
		return c.sentBatch(c.pushMessages(op, payloads...), payloads)
	}
	if err := c.lockMessage(ctx); err != nil {
		return err
	}
	defer c.unlockMessage()
	size := 0
	for _, p := range payloads {
		if size += MaxHeaderSize + len(p); size >= batchBytes {
			size = batchBytes
			break
		}
	}
	w := batchWriter{c: c, ctx: ctx, bp: getBuf(size)}
	defer putBuf(w.bp)
	var enc *[]byte // the encoded message, when the extension encodes it
	defer func() {
		if enc != nil {
			putBuf(enc)
		}
	}()
	frag := c.opts.AutoFragmentSize
	encoded := false // the extension encoded one of the messages
	for _, p := range payloads {
		fop, rsv := op, byte(0)
		if c.codec != nil && c.codec.Encodes(op, len(p)) {
			if enc == nil {
				enc = getBuf(0)
			}
			out, err := c.codec.Encode((*enc)[:0], p, true)
			*enc = out
			if err != nil {
				// The messages before this one are sent, as they
				// would have been by WriteMessage.
				if ferr := w.flush(); ferr != nil {
					return ferr
				}
				return c.encodeFailed(err)
			}
			p, rsv, encoded = out, c.codec.Rsv(), true
		}
		for {
			chunk := p
			if frag > 0 && len(chunk) > frag {
				chunk = chunk[:frag]
			}
			p = p[len(chunk):]
			if err := w.frame(fop, rsv, len(p) == 0, chunk); err != nil {
				if encoded {
					return c.abandoned(ctx, err)
				}
				return err
			}
			if len(p) == 0 {
				break
			}
			fop, rsv = OpContinuation, 0
		}
	}
	err := w.flush()
	if encoded {
		err = c.abandoned(ctx, err)
	}
	return c.sentBatch(err, payloads)
}

// batchWriter gathers the frames of WriteMessages in *bp and writes them
// when they fill it.
type batchWriter struct {
	c   *Conn
	ctx context.Context
	bp  *[]byte // pooled; frames not yet written
}

// frame adds one frame; a frame too large for the buffer is written at
// once, after what the buffer holds.
func (w *batchWriter) frame(op Opcode, rsv byte, fin bool, payload []byte) error {
	size := MaxHeaderSize + len(payload)
	if len(*w.bp) > 0 && len(*w.bp)+size > batchBytes {
		if err := w.flush(); err != nil {
			return err
		}
	}
	if size > batchBytes {
		return w.c.writeFrame(w.ctx, op, rsv, fin, payload, time.Time{})
	}
	h := Header{Fin: fin, Rsv: rsv, Op: op, Length: int64(len(payload))}
	b := *w.bp
	if w.c.role == RoleServer {
		b = append(AppendHeader(b, h), payload...)
	} else {
		k := rand.Uint32() // a fresh key per frame (§5.3)
		h.Masked, h.Key = true, [4]byte{byte(k), byte(k >> 8), byte(k >> 16), byte(k >> 24)}
		b = AppendHeader(b, h)
		n := len(b)
		b = slices.Grow(b, len(payload))[:n+len(payload)]
		xor.MaskCopy(b[n:], payload, h.Key, 0)
	}
	*w.bp = b
	return nil
}

// flush writes the frames gathered so far.
func (w *batchWriter) flush() error {
	b := *w.bp
	if len(b) == 0 {
		return nil
	}
	*w.bp = b[:0]
	return w.c.writeRaw(w.ctx, b)
}
