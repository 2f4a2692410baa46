package ws

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	autf8 "github.com/autobahn-go/autobahn/utf8"
)

// Decoding off the event loop.
//
// Decompression can cost far more than its input suggests: a 586-byte
// bzip2 message inflates to 16 MiB in most of a CPU-second, and a deflate
// frame of n bytes yields up to about 1,000 n. On an event loop that time
// would be taken from every other connection of the loop. So a push-mode
// Conn whose driver can pause its reading and call it back (an
// offloadDriver: wsloop's connections) decodes a piece of a message on a
// small process-wide pool of goroutines when the piece is expensive, and
// meanwhile:
//
//   - the driver's reading of that connection is paused (PauseRead), so
//     its input waits in the kernel and TCP flow control holds the peer;
//   - input that was already read is kept, in order, in the backlog;
//   - the decoding goroutine owns the codec and the message buffer; Feed,
//     FeedEnd and the Handler do not touch them.
//
// When the piece is decoded the goroutine calls the driver's ResumeFeed,
// and the driver calls PushConn.Resume from its loop: the message goes to
// OnMessage there, as every message does, the backlog is parsed, and
// reading resumes. The Handler's callbacks therefore all still run on the
// loop, one at a time per connection.
//
// A piece is expensive when the codec says every piece is (CostlyDecoder:
// bzip2), when its message carries more than InlineDecodeMax compressed
// bytes (counting its frames so far, whole), or when this pass over the
// input already decoded more than InlineDecodeOutput bytes on the loop.
// Everything else, the common small compressed message, is decoded in
// place. So the loop decodes at most InlineDecodeMax compressed bytes of
// a message (deflate: about 1 MiB), and in one callback at most
// InlineDecodeOutput bytes more than that.

// CostlyDecoder is implemented by codecs whose decoding costs much more
// CPU than their input size suggests (bzip2). An event-loop driver
// decodes every message of such a codec off the loop.
type CostlyDecoder interface {
	CostlyDecode() bool
}

// FeedResumer is the part of a PushOutput that lets the Conn decode
// expensive messages off the loop and hold input while the application
// paused reading. ResumeFeed is called from a decoding goroutine once its
// work is done, and by ResumeRead (from any goroutine): the driver must then call
// PushConn.Resume from its loop (soon, and not from inside ResumeFeed). A
// driver that offers this must also pause reading (PauseRead and
// ResumeRead); without both, the Conn decodes on the calling goroutine.
type FeedResumer interface {
	ResumeFeed()
}

// offloadDriver is what a PushOutput needs for decoding off the loop.
type offloadDriver interface {
	readPauser
	FeedResumer
}

// Limits of decoding on the loop (see above).
const (
	InlineDecodeMax    = 1 << 10   // compressed bytes of one message
	InlineDecodeOutput = 256 << 10 // decoded bytes in one pass over the input
)

// offload is the state of a Conn while a piece of its message is decoded
// off the loop. It exists only then (Conn.off).
type offload struct {
	// Set before the job is queued, read by the worker.
	piece []byte // a copy of the piece to decode
	final bool   // the piece ends the message
	limit int64  // what Decode may append (-1: unlimited)
	text  bool   // the message is text: validate it once whole

	// Written by the worker, read by Resume after ResumeFeed.
	err     error
	invalid bool // a whole text message is not UTF-8

	// Guarded by Conn.rmu.
	backlog []byte // input read meanwhile, in order
	done    bool   // the worker finished
}

// offloads reports whether the data event ev is to be decoded off the
// loop; out is what this pass decoded so far. c.rmu must be held.
func (c *Conn) offloads(ev Event, out int) bool {
	if c.codec == nil || !c.push {
		return false
	}
	if ev.First && !c.decodes(ev) || !ev.First && !c.mdec {
		return false
	}
	if _, ok := c.nc.(offloadDriver); !ok {
		return false
	}
	if cd, ok := c.codec.(CostlyDecoder); ok && cd.CostlyDecode() {
		return true
	}
	// The message's size counts, not the piece's: deflate keeps a
	// message's pieces and inflates it all with the last, and a codec
	// that decodes piece by piece does as much work for a message in
	// small fragments as for the message whole.
	return c.parser.wireLen() > InlineDecodeMax || out > InlineDecodeOutput
}

// startOffload hands the data event ev to the decoding pool; rest is the
// input after it, kept for Resume (copied unless owned: see feedLocked).
// c.rmu must be held.
func (c *Conn) startOffload(ev Event, rest []byte, owned bool) {
	if ev.First {
		c.mop, c.mdec = ev.Op, true
		c.msg = getBuf(0)
		c.msgStart.Store(c.clock.msgStamp(time.Now()))
	}
	o := &offload{
		piece: append([]byte(nil), ev.Payload...),
		final: ev.Final,
		limit: -1,
		text:  c.mop == OpText,
	}
	if m := c.opts.MaxMessagePayload; m > 0 {
		o.limit = max(m-int64(len(*c.msg)), 0)
	}
	switch {
	case len(rest) == 0: // none: Feed appends to nil, never to the driver's buffer
	case owned:
		o.backlog = rest
	default:
		o.backlog = append([]byte(nil), rest...)
	}
	c.off = o
	c.pause(flagOPause, true)
	decoders.submit(c)
}

// runOffload decodes c.off's piece: the worker's part. It owns c.codec
// and c.msg until it has set done.
func (c *Conn) runOffload() {
	o := c.off
	msg, err := c.decodeGuarded(*c.msg, o.piece, o.final, o.limit)
	*c.msg = msg
	if err == nil {
		err = c.chargeTo(cap(msg))
	}
	o.piece = nil
	o.err = err
	o.invalid = err == nil && o.final && o.text && !autf8.Valid(msg)
	c.rmu.Lock()
	o.done = true
	told := c.told
	if told {
		c.off = nil
		c.releaseMsg()
	}
	c.rmu.Unlock()
	if !told {
		c.nc.(offloadDriver).ResumeFeed()
	}
}

// decodeGuarded is c.codec.Decode, a panic of which is contained as a
// driver contains one on its loop (unless Options.PanicCrash): logged with
// its stack, and an errDecodePanic that fails the connection with 1011.
// On a pool goroutine nothing else would contain it.
func (c *Conn) decodeGuarded(dst, p []byte, final bool, limit int64) (out []byte, err error) {
	if !c.opts.PanicCrash {
		defer func() {
			if v := recover(); v != nil {
				logPanic(c.opts, c.RemoteAddr(), v)
				out, err = dst, fmt.Errorf("%w: %v", errDecodePanic, v)
			}
		}()
	}
	return c.codec.Decode(dst, p, final, limit)
}

var errDecodePanic = errors.New("ws: decoding panicked")

// Resume goes on with the input of a Conn whose message was decoded off
// the loop, after the driver's ResumeFeed: it delivers the message to
// h.OnMessage (or ends the connection on a decoding fault), parses the
// input read meanwhile, and resumes reading. After ResumeRead (which calls
// ResumeFeed too) it parses the input held since PauseRead. It reports
// whether the connection is still open. Like Feed, it is the driver's,
// from its loop.
func (p PushConn) Resume(h Handler) bool {
	c := p.c
	c.rmu.Lock()
	defer c.rmu.Unlock()
	if c.told || c.readState == nil {
		return !c.told
	}
	if c.off == nil {
		// Called after ResumeRead: parse the input held since PauseRead
		// (holdInput), unless reading is paused again.
		if c.held == nil || c.userPaused() {
			return true
		}
		in := c.held
		c.held = nil
		return c.feedLocked(in, true, h)
	}
	if !c.off.done {
		return true
	}
	o := c.off
	c.off = nil
	if err := c.offloadFault(o); err != nil {
		// Reading resumes: a failed connection lingers, reading until
		// the peer closes too.
		c.pause(flagOPause, false)
		c.end(h, err)
		return false
	}
	if o.final {
		c.metrics.Received(len(*c.msg))
		h.OnMessage(c, c.mop, *c.msg)
		c.releaseMsg()
		if len(o.backlog) > 0 && c.holdInput(o.backlog) {
			// OnMessage paused reading (or it was paused meanwhile):
			// the input read meanwhile waits for ResumeRead.
			c.pause(flagOPause, false)
			return true
		}
	}
	ok := c.feedLocked(o.backlog, true, h)
	if c.readState == nil || c.off == nil {
		c.pause(flagOPause, false)
	}
	return ok
}

// offloadFault fails the connection if the piece o could not be decoded,
// the same way as decoding on the loop would. c.rmu must be held.
func (c *Conn) offloadFault(o *offload) error {
	switch {
	case o.err == nil && !o.invalid:
		return nil
	case o.err == nil:
		return c.fail(utf8Err("invalid UTF-8 in a decoded text message"))
	case errors.Is(o.err, errOverBudget):
		return c.fail(overBudgetErr())
	case errors.Is(o.err, ErrMessageTooBig):
		return c.fail(tooBigErr("decoded message over the limit"))
	case errors.Is(o.err, errDecodePanic): // our fault, not the peer's
		return c.fail(&ProtocolError{Code: StatusInternalError, Reason: o.err.Error(), Err: ErrExtension})
	default:
		return c.fail(&ProtocolError{Code: StatusInvalidFramePayloadData, Reason: o.err.Error(), Err: ErrExtension})
	}
}

// decoders is the process-wide pool that decodes off the loop: at most
// GOMAXPROCS-1 goroutines (at least one), started on demand, gone when
// idle. One processor is left to the loops and the rest of the process:
// with a worker per processor, four bzip2 bombs on 2 cores put the other
// connections' echo p50 at ~20 ms and p99 at 130–220 ms, against ~1 ms
// and 40–70 ms with one (bench/cmd/bombp99). Its queue
// holds at most one entry per connection (a connection's reading is
// paused while its piece waits), so it is bounded by the connections.
var decoders decodePool

type decodePool struct {
	mu      sync.Mutex
	queue   []*Conn
	workers int
}

func (p *decodePool) submit(c *Conn) {
	p.mu.Lock()
	p.queue = append(p.queue, c)
	start := p.workers < max(1, runtime.GOMAXPROCS(0)-1)
	if start {
		p.workers++
	}
	p.mu.Unlock()
	if start {
		go p.work()
	}
}

func (p *decodePool) work() {
	for {
		p.mu.Lock()
		if len(p.queue) == 0 {
			p.workers--
			p.queue = nil // let a burst's backing array go
			p.mu.Unlock()
			return
		}
		c := p.queue[0]
		p.queue[0] = nil
		p.queue = p.queue[1:]
		p.mu.Unlock()
		costlyEnter() // shared with the goroutine driver's (costly.go)
		c.runOffload()
		costlyLeave()
	}
}
