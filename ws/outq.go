package ws

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"sync"
	"time"

	"github.com/autobahn-go/autobahn/xor"
)

// Push-mode output: one queue per connection, with one owner at a time.
//
// Every write of a push-mode Conn (a message, a batch, a prepared message,
// a frame of a NextWriter stream, a ping, a pong, a close frame) appends
// whole frames to the connection's queue under outQueue.mu — a short lock,
// never held across a wait or a system call, only across framing (and
// encoding, when an extension is negotiated) — and returns. The driver
// takes the frames (PushConn.TakeOutput) from its loop, sends them, and
// reports how much it still holds (PushConn.OutputSent). No write waits: past the bound it fails
// with ErrQueueFull, whoever calls it. Waiting for room is a separate step
// for goroutines, WaitWritable, woken by the driver's notification at the
// low watermark.

// ErrQueueFull: a push-mode write found more than its bound pending for a
// peer that reads too slowly (see OutputBounds); nothing of the message was
// queued and the connection stays open, unless its driver's slow-reader
// policy closes it (ws/wsloop under eventloop.SlowReaderClose, when the
// peer left more than the high watermark unread). Goroutines that would
// rather wait call WaitWritable before writing.
var ErrQueueFull = errors.New("ws: output queue full (the peer reads too slowly)")

// Default output bounds of a push-mode Conn: 64 KiB, as uWebSockets'
// maxBackpressure (python-websockets' write_limit is 32 KiB). A peer that
// reads nothing costs at most about 128 KiB of queue (2×High), a reading
// peer is not slowed (the kernel's socket buffer holds more than that),
// and a message of any size still goes out whole when less than High is
// pending.
const (
	DefaultOutputHigh = 64 << 10
	DefaultOutputLow  = DefaultOutputHigh / 4
)

// OutputBounds bound the output a push-mode Conn keeps for a peer: the
// bytes queued and not yet taken by the driver plus those the driver
// reported it still holds (OutputSent).
//
// A message is queued when the pending bytes stay within 2×High with it, or
// when no more than High is pending before it (so one message of any size
// the limits admit goes out to a reading peer); otherwise the write fails
// with ErrQueueFull. Memory per connection is therefore bounded by about
// High plus the largest message, or 2×High. WaitWritable returns at once
// while no more than High is pending, else once the pending bytes fell to
// Low. Control frames are never refused for room, except pongs past 2×High,
// which are left out (a peer that reads nothing does not need them), and
// the pings of Ping, which the application sends and which are bounded as
// messages are (ErrQueueFull); the keepalive's pings are not.
type OutputBounds struct {
	High int // default DefaultOutputHigh
	Low  int // default High/4
}

// PushOutput is what an event-loop driver gives NewPushConn for the
// connection's output. Its Read and Write are never called: the driver
// takes the output with TakeOutput. Close ends the connection: the driver
// takes and sends what is still queued, then closes its socket. CloseWrite,
// if it has one, asks that the close linger (the Conn failed the
// connection with a close frame: shut the write side once the output is
// out and discard input until the peer closes, within CloseTimeout).
type PushOutput interface {
	net.Conn
	// OutputReady tells the driver that the Conn has output for it
	// (TakeOutput), or that a goroutine waits for room (WaitWritable: the
	// driver calls OutputSent, and notifies again when its own queue falls
	// to the low watermark if OutputSent asks for it). It may be called
	// from any goroutine, including inside the driver's own callbacks, and
	// with no lock of the Conn held; it must not block.
	OutputReady()
}

// outQueue is the output of a push-mode Conn: 32 bytes, a size class of
// Go's allocator, which every connection on an event loop carries. Its
// bounds (OutputBounds) live in the Conn's shared negotiated record
// (outLow, outHigh), and what only some connections use in outRare.
type outQueue struct {
	mu      sync.Mutex
	buf     *[]byte // whole frames for the driver; nil when none
	charged int64   // what pending holds of the Conn's MemoryBudget (accountLocked)
	driver  int32   // bytes the driver holds (OutputSent), saturating at math.MaxInt32
	ready   bool    // the driver was told and has not taken buf yet
	stream  bool    // a NextWriter stream holds the tail: messages wait in outRare.held
	closed  bool    // the close frame is queued: nothing follows it
	ended   bool    // the connection ended: nothing more is queued
}

// outRare is the part of a push-mode Conn's output that only streams,
// goroutines waiting for room and Close use, made the first time one does
// and then kept, in the Conn's connRare (an idle connection carries
// nothing of it). Guarded by c.out.mu.
type outRare struct {
	held  []heldMessage // written while a stream held the tail
	heldN int           // bytes in held
	room  chan struct{} // closed when room is made (WaitWritable); nil when nobody waits
	// roomAhead: the same for a stream's own wait (its writer's
	// WaitWritable), which counts only the output ahead of the stream.
	roomAhead chan struct{}
	closeT    *time.Timer // drops the connection at Close's deadline (closeTimer)
}

// outRare returns c's outRare, or nil. c.out.mu must be held.
func (c *Conn) outRare() *outRare {
	if r := c.rare.Load(); r != nil {
		return r.out
	}
	return nil
}

// outRareLocked returns c's outRare, made if needed. c.out.mu must be
// held.
func (c *Conn) outRareLocked() *outRare {
	r := c.rareOf()
	if r.out == nil {
		r.out = new(outRare)
	}
	return r.out
}

// dropHeldLocked forgets the messages held behind a stream. c.out.mu must
// be held.
func (c *Conn) dropHeldLocked() {
	if r := c.outRare(); r != nil {
		r.held, r.heldN = nil, 0
	}
}

// wakeRoomLocked wakes the goroutines waiting for room. c.out.mu must be
// held.
func (c *Conn) wakeRoomLocked() {
	if r := c.outRare(); r != nil {
		if r.room != nil {
			close(r.room)
			r.room = nil
		}
		if r.roomAhead != nil {
			close(r.roomAhead)
			r.roomAhead = nil
		}
	}
}

// waitedLocked reports whether a goroutine waits for room. c.out.mu must
// be held.
func (c *Conn) waitedLocked() bool {
	r := c.outRare()
	return r != nil && (r.room != nil || r.roomAhead != nil)
}

// driverBytes is n as outQueue.driver keeps it: past math.MaxInt32 (far
// above any bound: maxOutputBound) it saturates.
func driverBytes(n int) int32 { return int32(min(n, math.MaxInt32)) }

// maxOutputBound clamps OutputBounds (a queue kept for a slow peer larger
// than this is not a bound), so that they fit the queue's int32 fields.
const maxOutputBound = 1 << 30

// heldMessage is a message written while a stream held the tail: it is
// framed (and encoded) when the stream ends, in order.
type heldMessage struct {
	op      Opcode
	payload []byte // a copy
	frame   bool   // payload is a whole server frame (a prepared message)
}

// resolveBounds returns b with its defaults, clamped to maxOutputBound.
func resolveBounds(b OutputBounds) (low, high int32) {
	if b.High <= 0 {
		b.High = DefaultOutputHigh
	}
	if b.Low <= 0 || b.Low > b.High {
		b.Low = b.High / 4
	}
	return int32(min(b.Low, maxOutputBound)), int32(min(b.High, maxOutputBound))
}

// pendingLocked returns the bytes of output pending: queued, held behind a
// stream and held by the driver. c.out.mu must be held.
func (c *Conn) pendingLocked() int {
	q := c.out
	n := int(q.driver)
	if r := c.outRare(); r != nil {
		n += r.heldN
	}
	if q.buf != nil {
		n += len(*q.buf)
	}
	return n
}

// aheadLocked returns the bytes of output pending ahead of the tail:
// queued and held by the driver, which drain as the peer reads, unlike
// the messages held behind a stream, which wait for the stream's end.
// c.out.mu must be held.
func (c *Conn) aheadLocked() int {
	q := c.out
	n := int(q.driver)
	if q.buf != nil {
		n += len(*q.buf)
	}
	return n
}

// admitLocked decides whether n more bytes of messages may be queued.
// c.out.mu must be held.
func (c *Conn) admitLocked(n int) error {
	return c.admitAtLocked(c.pendingLocked(), n)
}

// admitAtLocked is admitLocked with p bytes pending. c.out.mu must be
// held.
func (c *Conn) admitAtLocked(p, n int) error {
	q := c.out
	switch {
	case q.ended || q.closed:
		return ErrClosed
	}
	if p == 0 || p+n <= 2*int(c.outHigh) || p <= int(c.outHigh) {
		if !c.opts.budget().fits(int64(n)) {
			return ErrMemoryBudget
		}
		return nil
	}
	if r, ok := c.nc.(outputRefuser); ok {
		r.OutputRefused() // the driver's slow-reader policy judges the refusal
	}
	return ErrQueueFull
}

// outputRefuser is what a driver that applies a slow-reader policy of its
// own (ws/wsloop: the event loop's SlowReaderPolicy) adds to its
// PushOutput. OutputRefused is called when a write is refused for room
// (ErrQueueFull): the driver judges it as it judges a write that reaches
// its own queue, once it has taken what the Conn queued (a write that
// would have joined output the peer left unread, past the driver's high
// watermark, makes its policy pause, refuse or close; one the peer's
// reading made room for, nothing). Without it, the two bounds disagree:
// the Conn refuses every write before the driver's queue sees one past its
// high watermark, and a peer that reads nothing keeps its connection, and
// the output queued for it, for ever. It is called with c.out.mu held: it
// must only note the refusal and wake the driver, never block nor call
// the Conn.
type outputRefuser interface {
	OutputRefused()
}

// readyLocked reports whether the driver must be told about new output.
func (q *outQueue) readyLocked() bool {
	if q.ready || q.buf == nil || len(*q.buf) == 0 {
		return false
	}
	q.ready = true
	return true
}

// unlockOut releases c.out.mu and tells the driver about new output.
func (c *Conn) unlockOut() {
	q := c.out
	c.accountLocked()
	tell := q.readyLocked()
	q.mu.Unlock()
	if tell {
		c.pushOutput().OutputReady()
	}
}

// pushOutput is the driver's side of a push-mode Conn: its net.Conn,
// which NewPushConn was given as a PushOutput (kept once, not twice).
func (c *Conn) pushOutput() PushOutput { return c.nc.(PushOutput) }

// grow returns the queue's buffer with room for n more bytes.
func (q *outQueue) grow(n int) []byte {
	if q.buf == nil {
		q.buf = getBuf(n)
	}
	b := *q.buf
	if cap(b)-len(b) < n {
		nb := make([]byte, len(b), len(b)+n+len(b)/2)
		copy(nb, b)
		putBuf(q.buf)
		q.buf = &nb
		b = nb
	}
	return b
}

// frameLocked appends one frame; client frames are masked with a fresh key
// (§5.3).
func (c *Conn) frameLocked(op Opcode, rsv byte, fin bool, payload []byte) {
	q := c.out
	b := q.grow(MaxHeaderSize + len(payload))
	h := Header{Fin: fin, Rsv: rsv, Op: op, Length: int64(len(payload))}
	if c.role == RoleServer {
		b = append(AppendHeader(b, h), payload...)
	} else {
		k := rand.Uint32()
		h.Masked, h.Key = true, [4]byte{byte(k), byte(k >> 8), byte(k >> 16), byte(k >> 24)}
		b = AppendHeader(b, h)
		n := len(b)
		b = b[:n+len(payload)]
		xor.MaskCopy(b[n:], payload, h.Key, 0)
	}
	*q.buf = b
}

// messageLocked frames (and encodes) one message at the end of the queue.
// An error is the extension's: the caller fails the connection
// (encodeFailed) once it let go of the lock.
func (c *Conn) messageLocked(op Opcode, payload []byte) error {
	var rsv byte
	if c.codec != nil && c.codec.Encodes(op, len(payload)) {
		bp := getBuf(0)
		defer putBuf(bp)
		enc, err := encodeGuarded(c.codec, (*bp)[:0], payload)
		*bp = enc
		if err != nil {
			return err
		}
		payload, rsv = enc, c.codec.Rsv()
	}
	return c.fragment(op, rsv, payload, func(op Opcode, rsv byte, fin bool, chunk []byte) error {
		c.frameLocked(op, rsv, fin, chunk)
		return nil
	})
}

// encodeGuarded encodes a whole message with codec, which runs under
// c.out.mu: a panic of the codec is its error (the caller fails the
// connection), not a lock left held, on which the driver's loop, and every
// connection on it, would wait for ever.
func encodeGuarded(codec Codec, dst, p []byte) (out []byte, err error) {
	defer func() {
		if v := recover(); v != nil {
			out, err = dst, fmt.Errorf("ws: encoding panicked: %v", v)
		}
	}()
	return codec.Encode(dst, p, true)
}

// pushMessages queues payloads as messages of type op, one after the
// other with nothing between them, or none of them.
func (c *Conn) pushMessages(op Opcode, payloads ...[]byte) error {
	q := c.out
	n := 0
	for _, p := range payloads {
		n += MaxHeaderSize + len(p)
	}
	q.mu.Lock()
	if err := c.admitLocked(n); err != nil {
		q.mu.Unlock()
		return err
	}
	if q.stream {
		for _, p := range payloads {
			c.hold(heldMessage{op: op, payload: append([]byte(nil), p...)})
		}
		q.mu.Unlock()
		return nil
	}
	var err error
	for _, p := range payloads {
		if err = c.messageLocked(op, p); err != nil {
			break
		}
	}
	c.unlockOut()
	if err != nil {
		return c.encodeFailed(err)
	}
	return nil
}

// pushFrame queues a whole server frame of a prepared message (as it is,
// also behind a stream: it needs no encoding).
func (c *Conn) pushFrame(frame []byte) error {
	q := c.out
	q.mu.Lock()
	if err := c.admitLocked(len(frame)); err != nil {
		q.mu.Unlock()
		return err
	}
	if q.stream {
		c.hold(heldMessage{payload: append([]byte(nil), frame...), frame: true})
		q.mu.Unlock()
		return nil
	}
	b := q.grow(len(frame))
	*q.buf = append(b, frame...)
	c.unlockOut()
	return nil
}

// hold keeps m behind the stream that holds the tail. c.out.mu must be
// held.
func (c *Conn) hold(m heldMessage) {
	r := c.outRareLocked()
	r.held = append(r.held, m)
	r.heldN += MaxHeaderSize + len(m.payload)
	c.accountLocked()
}

// pushControl queues a control frame (ping, pong, close) at the next frame
// boundary: a stream's message may be unfinished, which control frames may
// interrupt (§5.4). A close frame is the last frame queued.
func (c *Conn) pushControl(op Opcode, payload []byte) error {
	return c.pushControlBounded(op, payload, false)
}

// pushControlBounded is pushControl; bounded applies the bound of messages
// (admitLocked): a ping the application sends (Ping) is a write like any
// other, refused with ErrQueueFull past the bound, where the keepalive's,
// one per interval, is not.
func (c *Conn) pushControlBounded(op Opcode, payload []byte, bounded bool) error {
	q := c.out
	q.mu.Lock()
	if q.ended || q.closed {
		q.mu.Unlock()
		return ErrClosed
	}
	if bounded {
		if err := c.admitLocked(MaxHeaderSize + len(payload)); err != nil {
			q.mu.Unlock()
			return err
		}
	}
	if op == OpPong && c.pendingLocked() > 2*int(c.outHigh) {
		q.mu.Unlock()
		return nil
	}
	c.frameLocked(op, 0, true, payload)
	if op == OpClose {
		q.closed = true
		c.dropHeldLocked() // a stream never finished: its followers cannot go
	}
	c.unlockOut()
	return nil
}

// endOutput refuses every later write, wakes the waiters and stops the
// close timer: the connection ended. What is queued stays for the driver
// to take.
func (c *Conn) endOutput() {
	q := c.out
	q.mu.Lock()
	q.ended = true
	c.dropHeldLocked()
	c.accountLocked()
	c.wakeRoomLocked()
	if r := c.outRare(); r != nil && r.closeT != nil {
		r.closeT.Stop() // nothing keeps the connection after its end
		r.closeT = nil
	}
	q.mu.Unlock()
}

// takeOutput is PushConn.TakeOutput.
func (c *Conn) takeOutput() *[]byte {
	q := c.out
	if q == nil {
		return nil
	}
	q.mu.Lock()
	b := q.buf
	q.buf, q.ready = nil, false
	if b != nil {
		q.driver = driverBytes(int(q.driver) + len(*b)) // until OutputSent says otherwise
	}
	c.accountLocked()
	q.mu.Unlock()
	return b
}

// PutOutput gives back a buffer TakeOutput returned, once it was sent.
func PutOutput(b *[]byte) {
	if b != nil {
		*b = (*b)[:0]
		putBuf(b)
	}
}

// outputSent is PushConn.OutputSent.
func (c *Conn) outputSent(held int) (notify bool) {
	q := c.out
	if q == nil {
		return false
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.driver = driverBytes(held)
	c.accountLocked()
	if !c.waitedLocked() {
		return false
	}
	if q.ended {
		c.wakeRoomLocked()
		return false
	}
	// A stream's own wait counts what is ahead of it; every other waiter
	// also what waits behind the stream, which goes out only after it.
	ahead, r := c.aheadLocked(), c.outRare()
	if r.roomAhead != nil && ahead <= int(c.outLow) {
		close(r.roomAhead)
		r.roomAhead = nil
	}
	if r.room != nil && c.pendingLocked() <= int(c.outLow) {
		close(r.room)
		r.room = nil
	}
	// Notify again only while there is output ahead to drain: a waiter
	// for the messages behind a stream is looked at again when the stream
	// writes or ends (its frames come through here), not polled.
	return c.waitedLocked() && ahead > int(c.outLow)
}

// Pending returns the bytes of output the connection holds for its peer:
// on a push-mode Conn, those queued plus those its driver holds.
func (c *Conn) Pending() int {
	q := c.out
	if q == nil {
		return 0
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	return c.pendingLocked()
}

// WaitWritable waits, on a goroutine, until a write has room: at once
// while no more than the high watermark of output is pending, else until
// the pending output fell to the low watermark, ctx is done or the
// connection ended. It is the one step of a push-mode Conn that waits, for
// goroutines that write more than a peer may read (broadcasters); the
// driver wakes it once, at the low watermark, without polling. Never call
// it from a Handler callback on an event loop: the loop could not drain the
// queue it waits for. On a Conn that is not in push mode writes wait by
// themselves, and WaitWritable returns nil. The messages written while a
// NextWriter stream is open go out after it, so a wait for them lasts as
// long as the stream: the stream itself waits with its writer's
// WaitWritable (see NextWriter), which counts only the output ahead of it.
func (c *Conn) WaitWritable(ctx context.Context) error {
	return c.waitRoom(ctx, false)
}

// waitRoom is WaitWritable; ahead counts only the output ahead of an open
// stream (the stream's own wait), else all that is pending.
func (c *Conn) waitRoom(ctx context.Context, ahead bool) error {
	q := c.out
	if q == nil {
		return nil
	}
	pending := c.pendingLocked
	if ahead {
		pending = c.aheadLocked
	}
	q.mu.Lock()
	if pending() <= int(c.outHigh) && !q.ended && !q.closed {
		q.mu.Unlock()
		return nil
	}
	for {
		switch {
		case q.ended || q.closed:
			q.mu.Unlock()
			return ErrClosed
		case pending() <= int(c.outLow):
			q.mu.Unlock()
			return nil
		}
		r := c.outRareLocked()
		ch := &r.room
		if ahead {
			ch = &r.roomAhead
		}
		ask := *ch == nil
		if ask {
			*ch = make(chan struct{})
		}
		room := *ch
		q.mu.Unlock()
		if ask {
			c.pushOutput().OutputReady()
		}
		select {
		case <-room:
		case <-ctx.Done():
			return ctx.Err()
		}
		q.mu.Lock()
	}
}

// streamMode is how a NextWriter's writer queues in push mode.
type streamMode uint8

const (
	streamNone streamMode = iota // not push mode
	streamTail                   // it holds the tail: frames go as they fill
	streamHeld                   // another stream holds it: gather the message
)

// openStream gives the tail to a new NextWriter stream if no other holds it.
func (c *Conn) openStream() (tail bool, err error) {
	q := c.out
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.ended || q.closed {
		return false, ErrClosed
	}
	if q.stream {
		return false, nil
	}
	q.stream = true
	return true, nil
}

// streamFrame queues one frame of the stream that holds the tail (its
// writer's Close then lets the messages held behind it go: endStream).
func (c *Conn) streamFrame(op Opcode, rsv byte, fin bool, payload []byte) error {
	q := c.out
	q.mu.Lock()
	// The messages held behind the stream go after it: they do not count
	// against its frames, which would otherwise be refused for as long as
	// the stream, which alone can let them go, is open.
	if err := c.admitAtLocked(c.aheadLocked(), MaxHeaderSize+len(payload)); err != nil {
		q.mu.Unlock()
		return err
	}
	c.frameLocked(op, rsv, fin, payload)
	c.unlockOut()
	return nil
}

// endStream ends the stream that held the tail, whether or not its last
// frame went.
func (c *Conn) endStream() error {
	q := c.out
	q.mu.Lock()
	var err error
	if q.stream {
		err = c.releaseLocked()
	}
	c.unlockOut()
	if err != nil {
		return c.encodeFailed(err)
	}
	return nil
}

// releaseLocked queues the messages held behind a stream, in order, and
// gives the tail back.
func (c *Conn) releaseLocked() error {
	q := c.out
	q.stream = false
	var held []heldMessage
	if r := c.outRare(); r != nil {
		held = r.held
		r.held, r.heldN = nil, 0
	}
	if q.ended || q.closed {
		return nil
	}
	for _, m := range held {
		if m.frame {
			b := q.grow(len(m.payload))
			*q.buf = append(b, m.payload...)
			continue
		}
		if err := c.messageLocked(m.op, m.payload); err != nil {
			return err
		}
	}
	return nil
}
