package ws

import (
	"context"
	"errors"
	"io"
	"os"
	"time"

	autf8 "github.com/autobahn-go/autobahn/utf8"
)

// ReadMessage reads the next whole message: OpText or OpBinary and the
// payload, which is valid until the next read. Text is valid UTF-8. At the
// end of the connection the error is a *CloseError (errors.Is(err,
// ErrClosed)); a fault of the peer is a *ProtocolError, after which the
// connection is closed with its code. Cancelling ctx drops the connection.
func (c *Conn) ReadMessage(ctx context.Context) (Opcode, []byte, error) {
	if c.push {
		return 0, nil, ErrPushMode
	}
	c.rmu.Lock()
	defer c.unlockRead()
	c.releaseMsg()
	if err := c.skipReader(ctx); err != nil {
		return 0, nil, err
	}
	for {
		ev, err := c.nextEvent(ctx)
		if err != nil {
			c.releaseMsg() // the connection ended: so did the message
			return 0, nil, err
		}
		msg, done, err := c.collect(ev)
		if err != nil {
			c.releaseMsg()
			return 0, nil, err
		}
		if done {
			c.metrics.Received(len(msg))
			return c.mop, msg, nil
		}
	}
}

// collect adds the data event ev to the message being read and returns the
// whole message once ev is its last piece (c.mop is its opcode). A message
// of one frame without an extension stays where the Parser left it (no
// copy); others are gathered in c.msg. c.rmu must be held.
func (c *Conn) collect(ev Event) (msg []byte, done bool, err error) {
	if ev.First {
		c.mop, c.mdec = ev.Op, c.decodes(ev)
		if ev.Final && !c.mdec {
			return ev.Payload, true, nil
		}
		c.msg = getBuf(0)
		c.msgStart.Store(c.clock.msgStamp(time.Now()))
	}
	msg = *c.msg
	if !c.mdec {
		if msg, err = c.growMsg(msg, len(ev.Payload), c.parser.remaining, c.parser.frame.Fin); err != nil {
			*c.msg = msg
			return nil, false, c.fail(err)
		}
		msg = append(msg, ev.Payload...)
	} else if msg, err = c.decode(msg, ev, int64(len(msg))); err != nil {
		*c.msg = msg
		return nil, false, err
	}
	*c.msg = msg
	if err := c.chargeTo(cap(msg)); err != nil {
		return nil, false, c.fail(err)
	}
	if !ev.Final {
		return nil, false, nil
	}
	if c.mdec && c.mop == OpText && !autf8.Valid(msg) {
		return nil, false, c.fail(utf8Err("invalid UTF-8 in a decoded text message"))
	}
	return msg, true, nil
}

// decodes reports whether the message that ev starts carries the
// negotiated extension.
func (c *Conn) decodes(ev Event) bool {
	return c.codec != nil && ev.Rsv&c.codec.Rsv() != 0
}

// decode appends the decoded piece ev to dst; done is how much of the
// message was decoded before. Faults fail the connection: 1009 past
// MaxMessagePayload, 1007 for input the codec cannot decode.
func (c *Conn) decode(dst []byte, ev Event, done int64) ([]byte, error) {
	limit := int64(-1)
	if m := c.opts.MaxMessagePayload; m > 0 {
		limit = max(m-done, 0)
	}
	if c.costlyDecode() {
		costlyEnter() // costly.go: one processor stays for the rest
		defer costlyLeave()
	}
	out, err := c.codec.Decode(dst, ev.Payload, ev.Final, limit)
	switch {
	case err == nil:
		return out, nil
	case errors.Is(err, ErrMessageTooBig):
		return out, c.fail(tooBigErr("decoded message over the limit"))
	default:
		return out, c.fail(&ProtocolError{Code: StatusInvalidFramePayloadData, Reason: err.Error(), Err: ErrExtension})
	}
}

// NextReader waits for the next message and returns its opcode and a reader
// of its payload, for messages too large to hold at once. The reader is
// valid until the next call to NextReader or ReadMessage, which discard
// what it did not read.
func (c *Conn) NextReader(ctx context.Context) (Opcode, io.Reader, error) {
	if c.push {
		return 0, nil, ErrPushMode
	}
	c.rmu.Lock()
	defer c.unlockRead()
	if err := c.skipReader(ctx); err != nil {
		return 0, nil, err
	}
	ev, err := c.nextEvent(ctx)
	if err != nil {
		return 0, nil, err
	}
	c.p.reader = &messageReader{c: c, ctx: ctx, ev: ev, dec: c.decodes(ev)}
	return ev.Op, c.p.reader, nil
}

// skipReader discards the rest of a message a reader left unfinished.
func (c *Conn) skipReader(ctx context.Context) error {
	r := c.p.reader
	if r == nil {
		return nil
	}
	r.stale = true
	c.p.reader = nil
	for r.err == nil && !(r.taken && r.ev.Final) {
		if r.taken {
			ev, err := c.nextEvent(ctx)
			if err != nil {
				return err
			}
			r.ev, r.taken = ev, false
		}
		// A decoding extension must see every byte to keep its state.
		r.take()
	}
	return r.err
}

// messageReader reads one message for NextReader. r.ev is the current
// event; once taken, its (decoded) payload is in r.out.
type messageReader struct {
	c     *Conn
	ctx   context.Context
	ev    Event
	taken bool   // r.ev's payload has moved to r.out
	out   []byte // what Read returns next
	err   error
	stale bool

	dec   bool   // the message carries the negotiated extension
	buf   []byte // decoded output
	total int64  // decoded bytes so far
	utf8  autf8.Validator
}

// take moves r.ev's payload to r.out, decoding it if needed.
func (r *messageReader) take() {
	r.taken = true
	if !r.dec {
		r.out = r.ev.Payload
		return
	}
	var err error
	if cap(r.buf) > 1<<20 {
		r.buf = nil
	}
	r.buf, err = r.c.decode(r.buf[:0], r.ev, r.total)
	if err != nil {
		r.err = err
		return
	}
	r.total += int64(len(r.buf))
	if r.ev.Op == OpText && (!r.utf8.Write(r.buf) || (r.ev.Final && !r.utf8.Done())) {
		r.err = r.c.fail(utf8Err("invalid UTF-8 in a decoded text message"))
		return
	}
	r.out = r.buf
}

func (r *messageReader) Read(p []byte) (int, error) {
	if r.stale {
		return 0, ErrClosed
	}
	for len(r.out) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		if !r.taken {
			r.take()
			continue
		}
		if r.ev.Final {
			return 0, io.EOF
		}
		r.c.rmu.Lock()
		ev, err := r.c.nextEvent(r.ctx)
		r.c.unlockRead()
		if err != nil {
			r.err = err
			return 0, err
		}
		r.ev, r.taken = ev, false
	}
	n := copy(p, r.out)
	r.out = r.out[n:]
	return n, nil
}

// nextEvent returns the next data event, handling control frames on the way.
// c.rmu must be held.
func (c *Conn) nextEvent(ctx context.Context) (Event, error) {
	if ctx.Done() != nil {
		// Before the hook: read would clear awaitHot's deadline after it,
		// and with it the cancel's (the read then waits past ctx).
		c.clearHotDeadline()
		stop := context.AfterFunc(ctx, func() { _ = c.nc.SetReadDeadline(time.Unix(1, 0)) })
		defer func() {
			if !stop() {
				c.drop(ctx.Err())
			}
		}()
	}
	for {
		if err := c.finished(); err != nil {
			return Event{}, err
		}
		if c.p.rr < c.p.rw {
			if c.parser == nil {
				c.takeParser()
			}
			n, ev, err := c.parser.Parse(c.p.rbuf[c.p.rr:c.p.rw])
			c.p.rr += n
			if err != nil {
				return ev, c.fail(err)
			}
			switch ev.Kind {
			case EventData:
				return ev, nil
			case EventPing:
				if err := c.pong(ev.Payload); err != nil && !errors.Is(err, ErrClosed) {
					return Event{}, c.drop(err) // the failed write ended the connection
				}
			case EventClose:
				return ev, c.peerClosed(ev)
			}
			continue
		}
		err := c.p.pending // found by awaitInput
		c.p.pending = nil
		if err == nil {
			err = c.read()
		}
		if err != nil {
			if ctx.Err() != nil {
				c.drop(ctx.Err())
				return Event{}, ctx.Err()
			}
			return Event{}, c.drop(err)
		}
	}
}

// awaitInput blocks until input is buffered or the connection has a
// reason to wake the reader (an error, a deadline); ReadMessage then
// finds out which. It only helps where reads are raw, and it must be
// called from the reading goroutine. Between messages the Parser goes
// back to parserPool for the wait, so that a parked connection does not
// carry it (its state then is that of a reset Parser); the next parse
// takes one again (takeParser), outside the parked goroutine's frames.
func (c *Conn) awaitInput() {
	if c.p.rc == nil || !c.rmu.TryLock() {
		return
	}
	defer c.unlockRead()
	if c.p.rr < c.p.rw || c.p.reader != nil || c.p.pending != nil || c.finished() != nil {
		return
	}
	c.releaseMsg()
	if p := c.parser; p != nil && p.idle() {
		p.release()
		parserPool.Put(p)
		c.parser = nil
	}
	c.p.pending = c.read()
}

// takeParser gives a pull-mode connection whose Parser went back to
// parserPool (awaitInput) a reset one. c.rmu must be held.
func (c *Conn) takeParser() {
	c.parser = parserPool.Get().(*Parser)
	c.parser.Reset(c.parserConfig())
}

// awaitHot waits up to d for input, like awaitInput, and reports whether
// there is something for ReadMessage to do (input, an error, the end);
// false: nothing came within d (or reads are not raw), and the caller may
// hand the connection over. It must be called from the reading goroutine.
func (c *Conn) awaitHot(d time.Duration) bool {
	if c.p.rc == nil || !c.rmu.TryLock() {
		return false
	}
	defer c.unlockRead()
	if c.p.rr < c.p.rw || c.p.reader != nil || c.p.pending != nil || c.finished() != nil {
		return true
	}
	c.releaseMsg()
	// The deadline stays set for the next wait: it is set again only once
	// less than half of d is left, so a busy connection does not pay for
	// two deadline changes per message (the runtime's timer and a clock
	// read each: about 4 % of an echo's CPU at 32 B). Every other read
	// clears it first (read). So the wait lasts between d/2 and d. The
	// time is that of the last input (the message just handled came then),
	// which saves reading the clock; after a slow handler the wait is
	// shorter, down to none.
	if now := c.p.lastIn; c.p.hotDL-now < int64(d)/2 {
		c.p.hotDL = now + int64(d)
		_ = c.nc.SetReadDeadline(time.Unix(0, c.p.hotDL))
	}
	err := c.readNow()
	switch {
	case err == nil:
		return true
	case errors.Is(err, os.ErrDeadlineExceeded):
		return false
	}
	c.p.pending = err
	return true
}

// buffered reports whether input is buffered (from the reading goroutine).
func (c *Conn) buffered() bool {
	if !c.rmu.TryLock() {
		return false
	}
	defer c.unlockRead()
	return c.p.rr < c.p.rw
}

// releaseMsg returns the buffer of the last message read, whose payload
// is no longer valid, so that an idle connection holds none.
func (c *Conn) releaseMsg() {
	if c.readState == nil {
		return // push mode: no message under way
	}
	if c.msg != nil {
		putBuf(c.msg)
		c.msg = nil
		c.msgStart.Store(0)
	}
	c.uncharge()
}

// read reads the next input into c.p.rbuf[:c.p.rw], all earlier input being
// consumed. The error is returned only when nothing was read (a later
// read reports it again). It clears a deadline awaitHot left. c.rmu must
// be held.
func (c *Conn) read() error {
	c.clearHotDeadline()
	return c.readNow()
}

// clearHotDeadline clears the read deadline awaitHot left set, if any:
// the read that follows has none. c.rmu must be held.
func (c *Conn) clearHotDeadline() {
	if c.p.hotDL != 0 {
		c.p.hotDL = 0
		_ = c.nc.SetReadDeadline(time.Time{})
	}
}

// readNow is read with whatever read deadline nc has. c.rmu must be held.
func (c *Conn) readNow() error {
	var n int
	var err error
	if c.p.rc != nil {
		c.p.rr, c.p.rw = 0, 0
		n, err = c.readRaw()
	} else {
		c.resizeRead()
		c.p.rr, c.p.rw = 0, 0
		n, err = c.nc.Read(c.p.rbuf)
	}
	if n > 0 {
		c.p.rw = n
		now := time.Now()
		c.p.lastIn = now.UnixNano()
		c.lastRead.Store(c.clock.stamp(now))
		return nil
	}
	return err
}

// detachRead leaves the read buffers to the last message read, which may
// alias them and stays valid until its reader's next read, and gives the
// connection new ones, with the input not yet parsed: for Close, which
// reads while the reader may still use that message (and a pooled buffer
// given back would be another connection's). c.rmu must be held.
func (c *Conn) detachRead() {
	rest := c.p.rbuf[c.p.rr:c.p.rw]
	c.p.rbig, c.p.rbuf, c.p.small = nil, nil, nil
	c.p.rr, c.p.rw = 0, 0
	if len(rest) > 0 {
		size := max(c.opts.ReadBufferSize, len(rest))
		c.p.rbig = getBuf(size)
		c.p.rbuf = (*c.p.rbig)[:size]
		c.p.rw = copy(c.p.rbuf, rest)
	}
}

// smallRead is the read size of an idle connection without raw reads: a
// small message fits, and the connection holds no large buffer while it
// blocks in Read.
const smallRead = 256

// resizeRead picks the buffer for the next Read, all input being consumed:
// a pooled full-size buffer when the last read filled the small one (more
// is probably waiting), the small one again when the last read did not
// fill the large one (the socket is probably drained).
func (c *Conn) resizeRead() {
	if c.p.small == nil {
		c.p.small = new([smallRead]byte)
	}
	switch {
	case c.p.rbig == nil && c.p.rw == len(c.p.small) && c.p.rbuf != nil:
		c.p.rbig = getBuf(c.opts.ReadBufferSize)
		c.p.rbuf = (*c.p.rbig)[:c.opts.ReadBufferSize]
	case c.p.rbig != nil && c.p.rw < len(c.p.rbuf):
		putBuf(c.p.rbig)
		c.p.rbig = nil
		c.p.rbuf = c.p.small[:]
	case c.p.rbuf == nil:
		c.p.rbuf = c.p.small[:]
	}
}
