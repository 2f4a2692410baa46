package ws

import (
	"context"
	"errors"
	"io"
	"time"

	autf8 "github.com/autobahn-go/autobahn/utf8"
)

// NextWriter returns a writer for one message of type op, sent in frames as
// it is written (each Write of a full buffer sends a frame); Close sends
// the final frame. Other messages wait until it is closed.
//
// On a push-mode Conn (an event loop's) a Write past the output bound
// fails with ErrQueueFull, as every write there does. A goroutine that
// streams more than the peer may read waits for room with the writer's own
// WaitWritable(ctx context.Context) error method (assert the interface),
// not the Conn's: the messages others write meanwhile go out after the
// stream, and the Conn's waits for them too.
func (c *Conn) NextWriter(ctx context.Context, op Opcode) (io.WriteCloser, error) {
	if op != OpText && op != OpBinary {
		return nil, errors.New("ws: NextWriter needs OpText or OpBinary")
	}
	size := c.opts.AutoFragmentSize
	if size <= 0 {
		size = 32 << 10
	}
	w := &messageWriter{c: c, ctx: ctx, op: op}
	if c.out != nil {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		tail, err := c.openStream()
		if err != nil {
			return nil, err
		}
		w.push = streamHeld
		if tail {
			w.push = streamTail
		}
	} else if err := c.lockMessage(ctx); err != nil {
		return nil, err
	}
	w.buf = make([]byte, 0, size)
	w.enc = c.codec != nil && c.codec.Encodes(op, -1)
	return w, nil
}

// messageWriter sends a message for NextWriter, a frame per full buffer.
// Text is checked as UTF-8 before each frame leaves; with an extension,
// each buffer is encoded as the next piece of the message.
//
// In push mode the stream that holds the queue's tail (streamTail) queues
// its frames as they fill, and messages written meanwhile wait behind it;
// a stream opened while another holds the tail (streamHeld) gathers its
// message and queues it whole when it is closed.
type messageWriter struct {
	c      *Conn
	ctx    context.Context
	op     Opcode
	buf    []byte
	sent   bool
	closed bool
	err    error
	enc    bool
	fed    bool // the codec took a piece of this message
	push   streamMode
	out    []byte // encoded frame payload
	utf8   autf8.Validator
}

// WaitWritable waits, on a goroutine, until the stream's next frame has
// room: as Conn.WaitWritable, but counting only the output ahead of the
// stream, not the messages waiting behind it (which wait for its end).
func (w *messageWriter) WaitWritable(ctx context.Context) error {
	return w.c.waitRoom(ctx, true)
}

func (w *messageWriter) Write(p []byte) (int, error) {
	if w.closed {
		return 0, ErrClosed
	}
	n := 0
	for len(p) > 0 {
		if w.err != nil {
			return n, w.err
		}
		k := copy(w.buf[len(w.buf):cap(w.buf)], p)
		w.buf = w.buf[:len(w.buf)+k]
		p = p[k:]
		n += k
		if len(w.buf) == cap(w.buf) && len(p) > 0 {
			if w.push == streamHeld {
				w.grow(len(p))
				continue
			}
			w.flush(false)
		}
	}
	return n, w.err
}

func (w *messageWriter) flush(fin bool) {
	if w.op == OpText && (!w.utf8.Write(w.buf) || (fin && !w.utf8.Done())) {
		w.err = ErrInvalidUTF8
		return
	}
	op, rsv, payload := w.op, byte(0), w.buf
	if w.sent {
		op = OpContinuation
	}
	if w.enc {
		// The codec cannot take a piece back: check first what would
		// refuse the frame before anything went (a goroutine's context).
		if w.push == streamNone {
			if err := w.ctx.Err(); err != nil {
				w.err = err
				return
			}
		}
		w.fed = true
		var err error
		if w.out, err = w.c.codec.Encode(w.out[:0], w.buf, fin); err != nil {
			w.err = w.c.encodeFailed(err)
			return
		}
		payload = w.out
		if !w.sent {
			rsv = w.c.codec.Rsv()
		}
	}
	if w.push == streamTail {
		w.err = w.c.streamFrame(op, rsv, fin, payload)
	} else {
		w.err = w.c.writeFrame(w.ctx, op, rsv, fin, payload, time.Time{})
	}
	w.sent = w.sent || w.err == nil
	w.buf = w.buf[:0]
}

// Close sends the final frame and lets other messages go. If the message
// cannot be finished after part of it was sent, or after the extension
// encoded part of it (its state then has what the peer never saw), the
// connection is closed with 1011.
func (w *messageWriter) Close() error {
	if w.closed {
		return ErrClosed
	}
	w.closed = true
	switch w.push {
	case streamHeld:
		if w.err == nil {
			w.err = w.c.WriteMessage(context.Background(), w.op, w.buf)
		}
		w.buf = nil
		return w.err
	case streamTail:
		if w.err == nil {
			w.flush(true)
		}
		if w.err != nil && (w.sent || w.fed) {
			// Part of the message left: the connection cannot go on.
			_ = w.c.Close(StatusInternalError, "message abandoned")
		}
		if err := w.c.endStream(); err != nil && w.err == nil {
			w.err = err
		}
		return w.err
	}
	if w.err == nil {
		w.flush(true)
	}
	w.c.unlockMessage()
	if w.err != nil && (w.sent || w.fed) && !errors.Is(w.err, ErrClosed) {
		_ = w.c.Close(StatusInternalError, "message abandoned")
	}
	return w.err
}

// grow makes room for n more bytes in a streamHeld writer's buffer, within
// the bound of the connection's output.
func (w *messageWriter) grow(n int) {
	if len(w.buf)+n > 2*int(w.c.outHigh) {
		w.err = ErrQueueFull
		return
	}
	w.buf = append(w.buf, make([]byte, n)...)[:len(w.buf)]
}
