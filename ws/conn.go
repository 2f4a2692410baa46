package ws

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/autobahn-go/autobahn/internal/rawio"
	autf8 "github.com/autobahn-go/autobahn/utf8"
	"github.com/autobahn-go/autobahn/xor"
)

// Conn is a WebSocket connection over a net.Conn, driven by blocking calls.
//
// Concurrency: one goroutine reads (ReadMessage, NextReader and the readers
// it returns); any number of goroutines may write (WriteMessage,
// NextWriter, WritePrepared, Ping) and Close at the same time. Pings are
// answered and close frames echoed by the reading goroutine.
type Conn struct {
	nc          net.Conn
	rc          syscall.RawConn // nc's, for reads that hold no buffer while idle; nil if unsupported
	opts        *Options        // with defaults, possibly shared by many connections
	subprotocol string
	extensions  string
	codec       Codec // negotiated per-message extension, or nil

	// Read side, guarded by rmu. With rc, rbuf is a pooled buffer held
	// only while input is pending; otherwise small[:] while idle, else
	// *rbig.
	rmu     sync.Mutex
	rbuf    []byte
	rbig    *[]byte // pooled
	small   *[smallRead]byte
	rr, rw  int
	parser  Parser
	msg     *[]byte // pooled, for messages that span reads
	mop     Opcode  // opcode of the message being read
	mdec    bool    // the message being read carries the extension
	push    bool    // input comes through Feed (an event-loop driver)
	told    bool    // push mode: the Handler has had OnClose
	pending error   // a read error awaitInput found, for nextEvent
	raw     rawRead // readRaw's state
	reader  *messageReader

	// Write side: writing is held for a whole message, frameMu for a frame.
	frameMu sync.Mutex
	// Push mode: a control frame that Feed left to the goroutine holding
	// frameMu (pushControl); ctlOp and ctlPayload are guarded by mu.
	ctlPending atomic.Bool
	ctlOp      Opcode
	ctlPayload []byte

	role      Role // fixed; here it fills what would be padding
	mu        sync.Mutex
	closeSent bool
	writing   bool          // a message is being written
	ended     bool          // nc is closed
	closeErr  *CloseError   // set once the connection is finished
	done      chan struct{} // closed when nc is closed; made by Done, if called
	wake      chan struct{} // closed when writing ends; made by a writer that waits
	pingSent  time.Time     // guarded by mu

	keepaliveSlot int // in opts.keepalive's heap (index + 1; 0: none), guarded by its mu

	lastRead atomic.Int64 // unix nanoseconds of the last input

	data any // SetData's
}

// NewConn wraps nc, whose opening handshake is complete, as a Conn playing
// role with what the handshake negotiated. buffered holds bytes already
// read from nc after the handshake. It starts the keepalive timer unless
// opts turn it off.
func NewConn(nc net.Conn, role Role, buffered []byte, neg Negotiated, opts *Options) *Conn {
	o := opts.resolved()
	c := &Conn{
		nc:          nc,
		role:        role,
		opts:        o,
		subprotocol: neg.Subprotocol,
		extensions:  neg.Extensions,
		codec:       neg.Codec,
	}
	size := max(o.ReadBufferSize, len(buffered))
	c.rc = rawio.RawConn(nc)
	if len(buffered) > 0 {
		c.rbig = getBuf(size)
		c.rbuf = (*c.rbig)[:size]
		c.rw = copy(c.rbuf, buffered)
	}
	pc := ParserConfig{Role: role, MaxFramePayload: o.MaxFramePayload, MaxMessagePayload: o.MaxMessagePayload}
	if c.codec != nil {
		// MaxMessagePayload then bounds both the encoded message (the
		// Parser) and the decoded one (Decode).
		pc.AllowedRsv = c.codec.Rsv()
	}
	c.parser.Reset(pc)
	if tc, ok := nc.(*net.TCPConn); ok && o.DisableNoDelay {
		_ = tc.SetNoDelay(false)
	}
	c.lastRead.Store(time.Now().UnixNano())
	if o.PingInterval > 0 {
		o.keepalive.schedule(c, o.PingInterval)
	}
	return c
}

// SetData keeps v with the connection: the handler's own per-connection
// state, for a Handler that serves every connection of a server (as on
// the event loop) and would otherwise look it up in a map. ws never reads
// it. It is not synchronized: set it in OnOpen, or before other goroutines
// use the Conn.
func (c *Conn) SetData(v any) { c.data = v }

// Data returns what SetData kept, or nil.
func (c *Conn) Data() any { return c.data }

// Subprotocol returns the negotiated subprotocol, or "".
func (c *Conn) Subprotocol() string { return c.subprotocol }

// Extensions returns the negotiated Sec-WebSocket-Extensions value, or "".
func (c *Conn) Extensions() string { return c.extensions }

// NetConn returns the underlying connection.
func (c *Conn) NetConn() net.Conn { return c.nc }

// LocalAddr and RemoteAddr return the addresses of the underlying connection.
func (c *Conn) LocalAddr() net.Addr  { return c.nc.LocalAddr() }
func (c *Conn) RemoteAddr() net.Addr { return c.nc.RemoteAddr() }

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
	defer c.rmu.Unlock()
	c.releaseMsg()
	if err := c.skipReader(ctx); err != nil {
		return 0, nil, err
	}
	for {
		ev, err := c.nextEvent(ctx)
		if err != nil {
			return 0, nil, err
		}
		msg, done, err := c.collect(ev)
		if err != nil {
			return 0, nil, err
		}
		if done {
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
	}
	msg = *c.msg
	if !c.mdec {
		msg = append(msg, ev.Payload...)
	} else if msg, err = c.decode(msg, ev, int64(len(msg))); err != nil {
		*c.msg = msg
		return nil, false, err
	}
	*c.msg = msg
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
	defer c.rmu.Unlock()
	if err := c.skipReader(ctx); err != nil {
		return 0, nil, err
	}
	ev, err := c.nextEvent(ctx)
	if err != nil {
		return 0, nil, err
	}
	c.reader = &messageReader{c: c, ctx: ctx, ev: ev, dec: c.decodes(ev)}
	return ev.Op, c.reader, nil
}

// skipReader discards the rest of a message a reader left unfinished.
func (c *Conn) skipReader(ctx context.Context) error {
	r := c.reader
	if r == nil {
		return nil
	}
	r.stale = true
	c.reader = nil
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
		r.c.rmu.Unlock()
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
		if c.rr < c.rw {
			n, ev, err := c.parser.Parse(c.rbuf[c.rr:c.rw])
			c.rr += n
			if err != nil {
				return ev, c.fail(err)
			}
			switch ev.Kind {
			case EventData:
				return ev, nil
			case EventPing:
				if err := c.writeControl(OpPing+1, ev.Payload); err != nil && !errors.Is(err, ErrClosed) {
					return ev, err
				}
			case EventClose:
				return ev, c.peerClosed(ev)
			}
			continue
		}
		err := c.pending // found by awaitInput
		c.pending = nil
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
// called from the reading goroutine.
func (c *Conn) awaitInput() {
	if c.rc == nil || !c.rmu.TryLock() {
		return
	}
	defer c.rmu.Unlock()
	if c.rr < c.rw || c.reader != nil || c.pending != nil || c.finished() != nil {
		return
	}
	c.releaseMsg()
	c.pending = c.read()
}

// buffered reports whether input is buffered (from the reading goroutine).
func (c *Conn) buffered() bool {
	if !c.rmu.TryLock() {
		return false
	}
	defer c.rmu.Unlock()
	return c.rr < c.rw
}

// releaseMsg returns the buffer of the last message read, whose payload
// is no longer valid, so that an idle connection holds none.
func (c *Conn) releaseMsg() {
	if c.msg != nil {
		putBuf(c.msg)
		c.msg = nil
	}
}

// read reads the next input into c.rbuf[:c.rw], all earlier input being
// consumed. The error is returned only when nothing was read (a later
// read reports it again).
func (c *Conn) read() error {
	var n int
	var err error
	if c.rc != nil {
		c.rr, c.rw = 0, 0
		n, err = c.readRaw()
	} else {
		c.resizeRead()
		c.rr, c.rw = 0, 0
		n, err = c.nc.Read(c.rbuf)
	}
	if n > 0 {
		c.rw = n
		c.lastRead.Store(time.Now().UnixNano())
		return nil
	}
	return err
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
	if c.small == nil {
		c.small = new([smallRead]byte)
	}
	switch {
	case c.rbig == nil && c.rw == len(c.small) && c.rbuf != nil:
		c.rbig = getBuf(c.opts.ReadBufferSize)
		c.rbuf = (*c.rbig)[:c.opts.ReadBufferSize]
	case c.rbig != nil && c.rw < len(c.rbuf):
		putBuf(c.rbig)
		c.rbig = nil
		c.rbuf = c.small[:]
	case c.rbuf == nil:
		c.rbuf = c.small[:]
	}
}

// bufPool holds *[]byte of capacity at least DefaultReadBufferSize, for
// reads of busy connections and for framing writes.
var bufPool sync.Pool

func getBuf(n int) *[]byte {
	if bp, ok := bufPool.Get().(*[]byte); ok {
		if cap(*bp) >= n {
			*bp = (*bp)[:0]
			return bp
		}
	}
	b := make([]byte, 0, max(n, DefaultReadBufferSize))
	return &b
}

func putBuf(bp *[]byte) {
	if c := cap(*bp); c >= DefaultReadBufferSize && c <= 64<<10 {
		bufPool.Put(bp)
	}
}

// finished returns the connection's final error once it has one.
func (c *Conn) finished() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closeErr != nil {
		return c.closeErr
	}
	return nil
}

// peerClosed answers the peer's close frame and finishes the connection.
func (c *Conn) peerClosed(ev Event) error {
	c.mu.Lock()
	sent := c.closeSent
	c.closeSent = true
	cerr := &CloseError{Code: ev.Code, Reason: string(ev.Reason), WasClean: true}
	if c.closeErr == nil {
		c.closeErr = cerr
	} else {
		cerr = c.closeErr
	}
	c.mu.Unlock()
	if !sent {
		// Echo the peer's code (§5.5.1); an empty close gets an empty one.
		var b [2]byte
		_ = c.writeClose(AppendClosePayload(b[:0], ev.Code, ""))
	}
	if c.role == RoleClient && !c.push {
		// The server closes TCP first (§7.1.1): wait for it, briefly.
		_ = c.nc.SetReadDeadline(time.Now().Add(c.opts.CloseTimeout))
		_, _ = io.Copy(io.Discard, c.nc)
	}
	c.shutdown()
	return cerr
}

// fail closes the connection because of a protocol error (§7.1.7).
func (c *Conn) fail(err error) error {
	var pe *ProtocolError
	code := StatusProtocolError
	if errors.As(err, &pe) {
		code = pe.Code
	}
	c.mu.Lock()
	sent := c.closeSent
	c.closeSent = true
	if c.closeErr == nil {
		c.closeErr = &CloseError{Code: code, Reason: err.Error()}
	}
	c.mu.Unlock()
	c.opts.Logger.Debug("ws: failing connection", "remote", c.nc.RemoteAddr(), "err", err)
	if !sent && !c.opts.FailByDrop {
		var b [128]byte
		deadline := time.Now().Add(c.opts.CloseTimeout)
		if c.writeClose(AppendClosePayload(b[:0], code, "")) == nil {
			c.linger(deadline)
		}
	}
	c.shutdown()
	return err
}

// drop ends the connection without a close handshake and returns its final
// error.
func (c *Conn) drop(cause error) error {
	c.mu.Lock()
	first := c.closeErr == nil
	if first {
		c.closeErr = &CloseError{Code: StatusAbnormalClosure}
	}
	cerr := c.closeErr
	c.mu.Unlock()
	if first {
		c.opts.Logger.Debug("ws: dropping connection", "remote", c.nc.RemoteAddr(), "cause", cause)
	}
	c.shutdown()
	return cerr
}

// linger half-closes the connection and discards input until the peer
// closes or deadline passes, so that closing does not reset the connection
// while the peer's data is unread (which could destroy our close frame).
func (c *Conn) linger(deadline time.Time) {
	cw, ok := c.nc.(interface{ CloseWrite() error })
	if !ok || cw.CloseWrite() != nil || c.push {
		return // in push mode the driver discards input until the peer closes
	}
	_ = c.nc.SetReadDeadline(deadline)
	_, _ = io.Copy(io.Discard, c.nc)
}

func (c *Conn) shutdown() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ended {
		return
	}
	c.ended = true
	if c.done != nil {
		close(c.done)
	}
	_ = c.nc.Close()
	if c.opts.PingInterval > 0 {
		c.opts.keepalive.remove(c)
	}
}

// Done is closed when the connection has ended.
func (c *Conn) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done == nil {
		// Made on demand: most connections never need it.
		c.done = make(chan struct{})
		if c.ended {
			close(c.done)
		}
	}
	return c.done
}

// Close starts the closing handshake with code and reason (UTF-8, cut to
// 123 bytes; StatusNoStatusReceived sends an empty close frame), waits up to Options.CloseTimeout for the peer's answer
// and closes the TCP connection. It is safe to call more than once and
// concurrently with reads and writes; if no goroutine is reading, Close
// reads (and discards) until the peer's close frame arrives. On a push-mode
// connection (an event-loop driver) Close returns once the close frame is
// queued: the driver's loop reads the answer, and the connection is dropped
// if none comes within Options.CloseTimeout.
func (c *Conn) Close(code StatusCode, reason string) error {
	if code != StatusNoStatusReceived && !code.ValidOnWire() {
		return errors.New("ws: close code " + code.String() + " may not be sent")
	}
	if !utf8.ValidString(reason) {
		return errors.New("ws: close reason is not UTF-8")
	}
	c.mu.Lock()
	if c.closeSent {
		c.mu.Unlock()
		if c.push {
			return nil
		}
		select {
		case <-c.Done():
		case <-time.After(c.opts.CloseTimeout):
			c.drop(ErrClosed)
		}
		return nil
	}
	c.closeSent = true
	c.mu.Unlock()
	deadline := time.Now().Add(c.opts.CloseTimeout)
	var b [128]byte
	if c.push {
		// Maybe on the driver's loop, so never waiting for the frame lock
		// (pushControl). A write under way must let go of it by the
		// close deadline; its goroutine then sends the close frame.
		_ = c.nc.SetWriteDeadline(deadline)
		if err := c.pushControl(OpClose, AppendClosePayload(b[:0], code, reason)); err != nil {
			c.drop(err)
			return err
		}
		// The driver's loop reads the answer (Feed); waiting here could
		// block that loop.
		c.closeTimer(deadline)
		return nil
	}
	// A write under way (to a peer that reads nothing, perhaps with no
	// deadline of its own) would hold the frame lock past CloseTimeout:
	// bound it by the close deadline. The loop covers a writer that sets
	// its own deadline just after ours.
	for {
		if c.frameMu.TryLock() {
			c.unlockFrame()
			break
		}
		_ = c.nc.SetWriteDeadline(deadline)
		if time.Now().After(deadline) {
			break // writeFrame below waits for the failing write to let go
		}
		time.Sleep(time.Millisecond)
	}
	if err := c.writeFrame(context.Background(), OpClose, 0, true, AppendClosePayload(b[:0], code, reason), deadline); err != nil {
		c.drop(err)
		return err
	}
	if c.rmu.TryLock() {
		_ = c.nc.SetReadDeadline(deadline)
		for {
			if _, err := c.nextEvent(context.Background()); err != nil {
				break
			}
		}
		c.rmu.Unlock()
	} else {
		t := time.NewTimer(time.Until(deadline))
		select {
		case <-c.Done():
		case <-t.C:
		}
		t.Stop()
	}
	c.mu.Lock()
	if c.closeErr == nil {
		c.closeErr = &CloseError{Code: code, Reason: reason}
	}
	c.mu.Unlock()
	c.shutdown()
	return nil
}

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
	if err := c.lockMessage(ctx); err != nil {
		return err
	}
	defer c.unlockMessage()
	return c.writeMessageLocked(ctx, op, payload)
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

// encodeFailed fails the connection with 1011 after the extension could
// not encode a message: its state no longer matches the peer's.
func (c *Conn) encodeFailed(err error) error {
	err = &ProtocolError{Code: StatusInternalError, Reason: "cannot encode: " + err.Error(), Err: ErrExtension}
	_ = c.fail(err)
	return err
}

// writeFrames sends payload as one message, fragmented as configured; rsv
// goes on the first frame. The caller holds the message lock.
func (c *Conn) writeFrames(ctx context.Context, op Opcode, rsv byte, payload []byte) error {
	frag := c.opts.AutoFragmentSize
	for first := true; ; first = false {
		chunk := payload
		if frag > 0 && len(chunk) > frag {
			chunk = chunk[:frag]
		}
		payload = payload[len(chunk):]
		fop := op
		if !first {
			fop, rsv = OpContinuation, 0
		}
		if err := c.writeFrame(ctx, fop, rsv, len(payload) == 0, chunk, time.Time{}); err != nil {
			return err
		}
		if len(payload) == 0 {
			return nil
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
	for c.writing && !c.ended {
		if c.wake == nil {
			c.wake = make(chan struct{})
		}
		wake := c.wake
		c.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return ctx.Err()
		case <-c.Done():
			return ErrClosed
		}
		c.mu.Lock()
	}
	defer c.mu.Unlock()
	if c.ended {
		return ErrClosed
	}
	c.writing = true
	return nil
}

func (c *Conn) unlockMessage() {
	c.mu.Lock()
	c.writing = false
	if c.wake != nil {
		close(c.wake) // the waiters race for the lock again
		c.wake = nil
	}
	c.mu.Unlock()
}

// Ping sends a ping with up to 125 bytes of payload; the pong is handled by
// the reading goroutine.
func (c *Conn) Ping(ctx context.Context, payload []byte) error {
	if len(payload) > 125 {
		return errors.New("ws: ping payload over 125 bytes")
	}
	return c.writeFrame(ctx, OpPing, 0, true, payload, time.Time{})
}

func (c *Conn) writeControl(op Opcode, payload []byte) error {
	return c.writeFrame(context.Background(), op, 0, true, payload, time.Now().Add(c.opts.CloseTimeout))
}

// writeClose sends a close frame with payload from the reading side: in
// push mode, where that is the driver's loop, without waiting for the frame
// lock (pushControl).
func (c *Conn) writeClose(payload []byte) error {
	if c.push {
		return c.pushControl(OpClose, payload)
	}
	return c.writeControl(OpClose, payload)
}

// writeFrame writes one frame under frameMu, within ctx's deadline if it
// has one, else within deadline (zero: none).
func (c *Conn) writeFrame(ctx context.Context, op Opcode, rsv byte, fin bool, payload []byte, deadline time.Time) error {
	c.frameMu.Lock()
	defer c.unlockFrame()
	return c.writeFrameLocked(ctx, op, rsv, fin, payload, deadline)
}

// unlockFrame releases frameMu, and sends the control frame Feed left
// meanwhile, if any (pushControl).
func (c *Conn) unlockFrame() {
	for {
		c.frameMu.Unlock()
		if !c.ctlPending.Load() || !c.frameMu.TryLock() {
			return
		}
		var b [125]byte // a control payload's maximum
		c.mu.Lock()
		op, payload := c.ctlOp, append(b[:0], c.ctlPayload...)
		c.ctlPending.Store(false)
		c.mu.Unlock()
		_ = c.writeFrameLocked(context.Background(), op, 0, true, payload, time.Now().Add(c.opts.CloseTimeout))
	}
}

// pushControl sends a control frame (a pong, a close) from Feed without
// waiting for frameMu. In push mode Feed runs on the driver's loop, and the
// goroutine that holds frameMu may be writing to a peer that does not read,
// waiting for the loop to send its output: waiting for it would stop the
// loop and every connection on it. The frame is then left to that
// goroutine, which sends it when it lets go of frameMu. Of pongs only the
// latest is kept (RFC 6455 §5.5.3 allows answering the most recent ping
// only); a close frame is never replaced.
func (c *Conn) pushControl(op Opcode, payload []byte) error {
	if c.frameMu.TryLock() {
		defer c.unlockFrame()
		return c.writeFrameLocked(context.Background(), op, 0, true, payload, time.Now().Add(c.opts.CloseTimeout))
	}
	c.mu.Lock()
	if !c.ctlPending.Load() || c.ctlOp != OpClose {
		c.ctlOp, c.ctlPayload = op, append(c.ctlPayload[:0], payload...)
	}
	c.ctlPending.Store(true)
	c.mu.Unlock()
	// The holder may have let go before it saw the frame.
	if c.frameMu.TryLock() {
		c.unlockFrame()
	}
	return nil
}

// writeFrameLocked is writeFrame with frameMu held.
func (c *Conn) writeFrameLocked(ctx context.Context, op Opcode, rsv byte, fin bool, payload []byte, deadline time.Time) error {
	c.mu.Lock()
	closing := c.closeSent && op != OpClose
	c.mu.Unlock()
	if closing {
		return ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if d, ok := ctx.Deadline(); ok {
		deadline = d
	}
	// The deadline first: a cancel that the hook below delivers must not
	// be overwritten by it.
	_ = c.nc.SetWriteDeadline(deadline)
	if ctx.Done() != nil {
		stop := context.AfterFunc(ctx, func() { _ = c.nc.SetWriteDeadline(time.Unix(1, 0)) })
		defer stop()
	}
	var err error
	if c.role == RoleServer {
		err = c.writeServer(op, rsv, fin, payload)
	} else {
		err = c.writeClient(op, rsv, fin, payload)
	}
	if err != nil {
		c.drop(err)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return err
	}
	return nil
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

// keepalive runs on opts.keepalive's timer (no goroutine while idle): it
// pings an idle peer and drops it when no answer comes.
func (c *Conn) keepalive() {
	interval, timeout := c.opts.PingInterval, c.opts.PingTimeout
	last := time.Unix(0, c.lastRead.Load())
	now := time.Now()
	c.mu.Lock()
	pingSent := c.pingSent
	c.mu.Unlock()
	var next time.Duration
	switch {
	case !pingSent.IsZero() && last.Before(pingSent) && now.Sub(pingSent) >= timeout:
		c.opts.Logger.Debug("ws: ping timeout", "remote", c.nc.RemoteAddr())
		c.drop(ErrPingTimeout)
		return
	case !pingSent.IsZero() && last.Before(pingSent):
		next = timeout - now.Sub(pingSent)
	case now.Sub(last) >= interval:
		if err := c.writeControl(OpPing, nil); err != nil {
			return
		}
		pingSent, next = now, timeout
	default:
		pingSent, next = time.Time{}, interval-now.Sub(last)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pingSent = pingSent
	if !c.ended {
		c.opts.keepalive.schedule(c, next)
	}
}

// NextWriter returns a writer for one message of type op, sent in frames as
// it is written (each Write of a full buffer sends a frame); Close sends
// the final frame. Other messages wait until it is closed.
func (c *Conn) NextWriter(ctx context.Context, op Opcode) (io.WriteCloser, error) {
	if op != OpText && op != OpBinary {
		return nil, errors.New("ws: NextWriter needs OpText or OpBinary")
	}
	if err := c.lockMessage(ctx); err != nil {
		return nil, err
	}
	size := c.opts.AutoFragmentSize
	if size <= 0 {
		size = 32 << 10
	}
	w := &messageWriter{c: c, ctx: ctx, op: op, buf: make([]byte, 0, size)}
	w.enc = c.codec != nil && c.codec.Encodes(op, -1)
	return w, nil
}

// messageWriter sends a message for NextWriter, a frame per full buffer.
// Text is checked as UTF-8 before each frame leaves; with an extension,
// each buffer is encoded as the next piece of the message.
type messageWriter struct {
	c      *Conn
	ctx    context.Context
	op     Opcode
	buf    []byte
	sent   bool
	closed bool
	err    error
	enc    bool
	out    []byte // encoded frame payload
	utf8   autf8.Validator
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
	w.err = w.c.writeFrame(w.ctx, op, rsv, fin, payload, time.Time{})
	w.sent = true
	w.buf = w.buf[:0]
}

// Close sends the final frame and lets other messages go. If the message
// cannot be finished (a write failed, or its text is not UTF-8 after part
// of it was sent), the connection is closed with 1011.
func (w *messageWriter) Close() error {
	if w.closed {
		return ErrClosed
	}
	w.closed = true
	if w.err == nil {
		w.flush(true)
	}
	w.c.unlockMessage()
	if w.err != nil && w.sent && errors.Is(w.err, ErrInvalidUTF8) {
		_ = w.c.Close(StatusInternalError, "message abandoned")
	}
	return w.err
}

// rawRead is the state of one readRaw call.
type rawRead struct {
	fn  func(fd uintptr) bool
	n   int
	err error
}
