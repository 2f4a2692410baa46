package ws

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"time"

	autf8 "github.com/autobahn-go/autobahn/utf8"
	"github.com/autobahn-go/autobahn/xor"
)

// WriteMessage sends payload as one message (OpText or OpBinary), encoded
// by the negotiated extension if any, and split into frames of
// Options.AutoFragmentSize if set. The payload is not modified or
// retained. A text payload that is not UTF-8 is refused with
// ErrInvalidUTF8 and nothing is sent.
func (c *Conn) WriteMessage(ctx context.Context, op Opcode, payload []byte) error {
	if op != OpText && op != OpBinary {
		return errors.New("ws: WriteMessage needs OpText or OpBinary")
	}
	if op == OpText && !autf8.Valid(payload) {
		return ErrInvalidUTF8
	}
	if c.out != nil {
		if err := ctx.Err(); err != nil {
			return err
		}
		return c.sent(c.pushMessages(op, payload), len(payload))
	}
	if err := c.lockMessage(ctx); err != nil {
		return err
	}
	defer c.unlockMessage()
	return c.sent(c.writeMessageLocked(ctx, op, payload), len(payload))
}

// writeMessageLocked is WriteMessage under the message lock.
func (c *Conn) writeMessageLocked(ctx context.Context, op Opcode, payload []byte) error {
	var rsv byte
	if c.codec != nil && c.codec.Encodes(op, len(payload)) {
		bp := getBuf(0)
		defer putBuf(bp)
		enc, err := c.codec.Encode((*bp)[:0], payload, true)
		*bp = enc
		if err != nil {
			return c.encodeFailed(err)
		}
		payload, rsv = enc, c.codec.Rsv()
	}
	return c.writeFrames(ctx, op, rsv, payload)
}

// abandoned returns err, the outcome of a write of a message that cannot
// be taken back: part of it went, or the extension encoded it. If ctx
// ended before it all went, the connection, which stays open after such a
// write, is failed with 1011: another message would go inside the one cut
// short, or be encoded against extension state (a compressor's window)
// holding what the peer never got.
func (c *Conn) abandoned(ctx context.Context, err error) error {
	if err != nil && ctx.Err() != nil && !errors.Is(err, ErrClosed) {
		_ = c.fail(&ProtocolError{Code: StatusInternalError, Reason: "its context ended", Err: errAbandoned})
	}
	return err
}

var errAbandoned = errors.New("ws: message abandoned")

// encodeFailed fails the connection with 1011 after the extension could
// not encode a message: its state no longer matches the peer's.
func (c *Conn) encodeFailed(err error) error {
	err = &ProtocolError{Code: StatusInternalError, Reason: "cannot encode: " + err.Error(), Err: ErrExtension}
	_ = c.fail(err)
	return err
}

// writeFrames sends payload as one message, fragmented as configured; rsv
// goes on the first frame (an encoded message). The caller holds the
// message lock.
func (c *Conn) writeFrames(ctx context.Context, op Opcode, rsv byte, payload []byte) error {
	went := false // a frame of the message went
	err := c.fragment(op, rsv, payload, func(op Opcode, rsv byte, fin bool, chunk []byte) error {
		err := c.writeFrame(ctx, op, rsv, fin, chunk, time.Time{})
		went = went || err == nil
		return err
	})
	if rsv != 0 || went {
		return c.abandoned(ctx, err)
	}
	return err
}

// fragment cuts a message into frames of Options.AutoFragmentSize (one
// frame if it is 0) and hands each to frame, until one fails; rsv goes on
// the first frame.
func (c *Conn) fragment(op Opcode, rsv byte, payload []byte, frame func(op Opcode, rsv byte, fin bool, chunk []byte) error) error {
	frag := c.opts.AutoFragmentSize
	for first := true; ; first = false {
		chunk := payload
		if frag > 0 && len(chunk) > frag {
			chunk = chunk[:frag]
		}
		payload = payload[len(chunk):]
		if !first {
			op, rsv = OpContinuation, 0
		}
		if err := frame(op, rsv, len(payload) == 0, chunk); err != nil || len(payload) == 0 {
			return err
		}
	}
}

// lockMessage takes the message lock, waiting until ctx is done or the
// connection ends. (A mutex and a flag instead of a semaphore channel: an
// idle connection then holds no channel.)
func (c *Conn) lockMessage(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	for c.has(flagWriting) && !c.has(flagEnded) {
		if c.p.wake == nil {
			c.p.wake = make(chan struct{})
		}
		wake := c.p.wake
		c.p.waiters++
		c.mu.Unlock()
		var err error
		select {
		case <-wake:
		case <-ctx.Done():
			err = ctx.Err()
		case <-c.Done():
			err = ErrClosed
		}
		c.mu.Lock()
		c.p.waiters--
		if err != nil {
			c.mu.Unlock()
			return err
		}
	}
	defer c.mu.Unlock()
	if c.has(flagEnded) {
		return ErrClosed
	}
	c.setFlag(flagWriting, true)
	return nil
}

func (c *Conn) unlockMessage() {
	c.mu.Lock()
	c.setFlag(flagWriting, false)
	if c.p.wake != nil {
		close(c.p.wake) // the waiters race for the lock again
		c.p.wake = nil
	}
	c.mu.Unlock()
}

// Ping sends a ping with up to 125 bytes of payload; the pong is handled by
// the reading goroutine.
func (c *Conn) Ping(ctx context.Context, payload []byte) error {
	if len(payload) > 125 {
		return errors.New("ws: ping payload over 125 bytes")
	}
	if c.out != nil {
		if err := ctx.Err(); err != nil {
			return err
		}
		return c.pushControlBounded(OpPing, payload, true)
	}
	return c.writeFrame(ctx, OpPing, 0, true, payload, time.Time{})
}

func (c *Conn) writeControl(op Opcode, payload []byte) error {
	if c.out != nil {
		return c.pushControl(op, payload)
	}
	return c.writeFrame(context.Background(), op, 0, true, payload, c.closeDeadline())
}

// writeClose sends a close frame with payload from the reading side (in
// push mode it is queued, like every write).
func (c *Conn) writeClose(payload []byte) error {
	return c.writeControl(OpClose, payload)
}

// writeFrame writes one frame under frameMu, within ctx's deadline if it
// has one, else within deadline (zero: none).
func (c *Conn) writeFrame(ctx context.Context, op Opcode, rsv byte, fin bool, payload []byte, deadline time.Time) error {
	if err := c.lockFrame(ctx); err != nil {
		return err
	}
	defer c.unlockFrame()
	return c.writeFrameLocked(ctx, op, rsv, fin, payload, deadline)
}

// lockFrame takes frameMu, unless ctx ends first: the frame being written
// may be stuck on a peer that reads nothing.
func (c *Conn) lockFrame(ctx context.Context) error {
	if ctx.Done() == nil {
		c.p.frameMu.Lock()
		return nil
	}
	for !c.p.frameMu.TryLock() {
		c.mu.Lock()
		if c.p.frameWake == nil {
			c.p.frameWake = make(chan struct{})
			c.p.frameAux.Store(true)
		}
		wake := c.p.frameWake
		c.mu.Unlock()
		if c.p.frameMu.TryLock() {
			return nil // let go before wake was there to be closed
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// pong answers a ping from the reading goroutine. In pull mode it does not
// wait for the frame lock: a write with no deadline of its own may hold it
// for as long as the peer reads nothing, and the reader must go on (to a
// close frame behind the ping, say). Whoever holds the lock sends the pong
// after its frame (unlockFrame); only the last ping's is due (§5.5.3).
func (c *Conn) pong(payload []byte) error {
	if c.out != nil {
		return c.pushControl(OpPong, payload)
	}
	c.mu.Lock()
	c.p.pong = append(c.p.pong[:0], payload...)
	c.p.pongDue = true
	c.p.frameAux.Store(true)
	c.mu.Unlock()
	if !c.p.frameMu.TryLock() {
		return nil // its holder sends it
	}
	return c.unlockFrame()
}

// unlockFrame sends the pong that is due, if any, and releases frameMu.
// A pong made due while it held the lock (whose maker's TryLock failed) is
// sent too, unless another writer has the lock by then, and sends it. The
// error is the pong's (a failed write dropped the connection). With no
// pong due and no writer waiting (frameAux clear) it takes no other lock:
// a pong or a waiter that comes as the lock is let go sets frameAux before
// its own TryLock, so either that TryLock succeeds or the load after
// Unlock sees it.
func (c *Conn) unlockFrame() error {
	var err error
	for {
		if c.p.frameAux.Load() {
			c.mu.Lock()
			due := c.p.pongDue
			c.p.pongDue = false
			var b [125]byte
			p := append(b[:0], c.p.pong...)
			c.syncFrameAuxLocked()
			c.mu.Unlock()
			if due {
				err = c.writeFrameLocked(context.Background(), OpPong, 0, true, p, c.closeDeadline())
			}
		}
		c.p.frameMu.Unlock()
		if !c.p.frameAux.Load() {
			return err
		}
		c.mu.Lock()
		due := c.p.pongDue
		if c.p.frameWake != nil {
			close(c.p.frameWake) // the waiters race for the lock again
			c.p.frameWake = nil
		}
		c.syncFrameAuxLocked()
		c.mu.Unlock()
		if !due || !c.p.frameMu.TryLock() {
			return err
		}
	}
}

// syncFrameAuxLocked sets frameAux while a pong is due or a writer waits
// for frameMu. c.mu must be held.
func (c *Conn) syncFrameAuxLocked() {
	c.p.frameAux.Store(c.p.pongDue || c.p.frameWake != nil)
}

// writeFrameLocked is writeFrame with frameMu held.
func (c *Conn) writeFrameLocked(ctx context.Context, op Opcode, rsv byte, fin bool, payload []byte, deadline time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d, ok := ctx.Deadline(); ok {
		deadline = d
	}
	if !c.setWriteDeadline(deadline, op == OpClose) {
		return ErrClosed
	}
	if ctx.Done() != nil {
		stop := context.AfterFunc(ctx, c.expireWrite)
		defer stop()
	}
	var err error
	if c.role == RoleServer {
		err = c.writeServer(op, rsv, fin, payload)
	} else {
		err = c.writeClient(op, rsv, fin, payload)
	}
	if err != nil {
		return c.writeFailed(ctx, err)
	}
	return nil
}

// writeFailed drops the connection after a write failed with err, and
// returns what the writer reports: ctx's error if ctx ended, else the
// connection's end if it came first and cut the write (a ping timeout, a
// peer that closed), else err.
func (c *Conn) writeFailed(ctx context.Context, err error) error {
	prior := c.finished()
	c.drop(err)
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case prior != nil:
		return prior
	}
	return err
}

// setWriteDeadline sets the write deadline of nc, never past Close's
// (closeDL), before a write; the deadline goes first, so a cancel that a
// context hook delivers after it is not overwritten. It reports false once
// the close frame is sent, unless this write is that frame.
func (c *Conn) setWriteDeadline(deadline time.Time, closing bool) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.has(flagCloseSent) && !closing {
		return false
	}
	if c.p.closeDL != 0 {
		if dl := time.Unix(0, c.p.closeDL); deadline.IsZero() || dl.Before(deadline) {
			deadline = dl
		}
	}
	var want int64
	if !deadline.IsZero() {
		want = deadline.UnixNano()
	}
	if c.p.wdlSet && c.p.wdl == want {
		return true // nc has it: a runtime timer change less per write
	}
	_ = c.nc.SetWriteDeadline(deadline)
	c.p.wdl, c.p.wdlSet = want, true
	return true
}

// expireWrite fails the write under way, and every write until the next
// setWriteDeadline, at once (a context ended). The deadline changes under
// c.mu, as in setWriteDeadline, so that the two stay ordered.
func (c *Conn) expireWrite() {
	c.mu.Lock()
	defer c.mu.Unlock()
	_ = c.nc.SetWriteDeadline(time.Unix(1, 0))
	c.p.wdlSet = false
}

const smallFrame = 4096

func (c *Conn) writeServer(op Opcode, rsv byte, fin bool, payload []byte) error {
	h := Header{Fin: fin, Rsv: rsv, Op: op, Length: int64(len(payload))}
	if len(payload) <= smallFrame {
		bp := getBuf(0)
		*bp = append(AppendHeader(*bp, h), payload...)
		_, err := c.writeNC(*bp)
		putBuf(bp)
		return err
	}
	var hdr [MaxHeaderSize]byte
	bufs := net.Buffers{AppendHeader(hdr[:0], h), payload}
	_, err := bufs.WriteTo(c.nc)
	return err
}

func (c *Conn) writeClient(op Opcode, rsv byte, fin bool, payload []byte) error {
	var key [4]byte
	k := rand.Uint32()
	key[0], key[1], key[2], key[3] = byte(k), byte(k>>8), byte(k>>16), byte(k>>24)
	h := Header{Fin: fin, Rsv: rsv, Op: op, Masked: true, Key: key, Length: int64(len(payload))}
	bp := getBuf(0)
	defer putBuf(bp)
	b := AppendHeader(*bp, h)
	pos := 0
	for {
		chunk := payload
		if room := cap(b) - len(b); len(chunk) > room {
			chunk = chunk[:room]
		}
		n := len(b)
		b = b[:n+len(chunk)]
		pos = xor.MaskCopy(b[n:], chunk, key, pos)
		payload = payload[len(chunk):]
		if _, err := c.writeNC(b); err != nil {
			return err
		}
		b = b[:0]
		if len(payload) == 0 {
			return nil
		}
	}
}
