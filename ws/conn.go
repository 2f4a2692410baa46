package ws

import (
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/autobahn-go/autobahn/internal/rawio"
)

// Conn is a WebSocket connection over a net.Conn, driven by blocking calls.
//
// Concurrency: one goroutine reads (ReadMessage, NextReader and the readers
// it returns); any number of goroutines may write (WriteMessage,
// NextWriter, WritePrepared, Ping) and Close at the same time. Pings are
// answered and close frames echoed by the reading goroutine.
type Conn struct {
	nc net.Conn
	// What the handshake agreed on (subprotocol, extensions, codec) and
	// the Options the connection runs with (opts, promoted: c.opts), with
	// the unit of its time stamps (clock): shared with other connections
	// made with the same Options unless a codec was negotiated (see
	// internNegotiated); never nil, fixed.
	*negotiated
	metrics *connMetrics // SetMetrics; nil: not counted

	// Read side, guarded by rmu: the state of the message under way (its
	// Parser, buffer, budget charge, offload) and pull mode's reading and
	// framing (readState.p). A pull-mode Conn holds one for its life; a
	// push-mode Conn only while a frame or message is under way (nil
	// while idle, pooled between messages), so that an idle connection
	// on the loop carries one nil pointer for all of it.
	rmu sync.Mutex
	*readState

	// Write side: in push mode every write goes to out; otherwise writing
	// is held for a whole message (writing, under mu) and p.frameMu for a
	// frame.
	out *outQueue // push mode's output; nil otherwise

	// Small fields together, so that an idle connection on the loop fits
	// a smaller allocation. (Fields guarded by different locks never share
	// a byte: one lock's writes would race with the other's.)
	role   Role      // fixed
	kshard uint8     // fixed: the keepalive group (keepaliveOf)
	push   bool      // fixed: input comes through Feed (an event-loop driver)
	mf     connFlags // guarded by mu
	mop    Opcode    // guarded by rmu: opcode of the message being read
	mdec   bool      // guarded by rmu: the message being read carries the extension
	told   bool      // guarded by rmu: push mode, the Handler has had OnClose

	keepaliveSlot int32  // in keepaliveOf(c)'s heap (index + 1; 0: none), guarded by its mu
	pingSent      uint32 // guarded by mu: when the unanswered keepalive ping went out, if flagPinged (c.clock)

	mu sync.Mutex

	// Times in 32 bits, in units of c.clock (stampClock; wrap-safe for
	// the longest span a keepalive check measures).
	lastRead atomic.Uint32 // the last input (pull mode keeps it in nanoseconds too: pullState.lastIn)
	msgStart atomic.Uint32 // a message spanning pieces began (0: none; msgStamp)

	// Done's channel and SetData's value, which most connections never
	// use: one pointer, made by the first Done or SetData (rareOf).
	rare atomic.Pointer[connRare]
}

// connFlags are a Conn's bools that its mu guards, in one byte (Conn.mf).
type connFlags uint8

const (
	flagCloseSent connFlags = 1 << iota // the close frame is sent or queued
	flagWriting                         // a message is being written
	flagEnded                           // nc is closed
	flagKAPing                          // a keepalive ping went out and no pong came yet (quietPong)
	flagPinged                          // pingSent holds the time of an unanswered keepalive ping
	flagUPause                          // PauseRead
	flagOPause                          // reading paused while decoding off the loop
	flagKAWrite                         // the keepalive's ping is being written (Conn.ping)
)

// has reports whether flag f is set. c.mu must be held.
func (c *Conn) has(f connFlags) bool { return c.mf&f != 0 }

// setFlag sets or clears flag f. c.mu must be held.
func (c *Conn) setFlag(f connFlags, on bool) {
	if on {
		c.mf |= f
	} else {
		c.mf &^= f
	}
}

// connRare holds what few connections use, so that the others do not carry
// it (see Conn.rare).
type connRare struct {
	done     chan struct{} // guarded by Conn.mu: closed when nc is closed; made by Done
	data     any           // SetData's (not synchronized, as documented there)
	closeErr *CloseError   // guarded by Conn.mu: set once the connection is finished (setCloseErr)
	out      *outRare      // guarded by Conn.out.mu: push mode's rarely used output state (outRareLocked)
}

// closeErr returns the connection's final error, nil until it is
// finished. c.mu must be held.
func (c *Conn) closeErr() *CloseError {
	if r := c.rare.Load(); r != nil {
		return r.closeErr
	}
	return nil
}

// setCloseErr makes cerr the connection's final error unless it has one,
// and returns the one it has. c.mu must be held. (Kept out of line: only
// a finished connection has one.)
func (c *Conn) setCloseErr(cerr *CloseError) *CloseError {
	r := c.rareOf()
	if r.closeErr == nil {
		r.closeErr = cerr
	}
	return r.closeErr
}

// rareOf returns c.rare, making it on first use.
func (c *Conn) rareOf() *connRare {
	if r := c.rare.Load(); r != nil {
		return r
	}
	c.rare.CompareAndSwap(nil, new(connRare))
	return c.rare.Load()
}

// NewConn wraps nc, whose opening handshake is complete, as a Conn playing
// role with what the handshake negotiated. buffered holds bytes already
// read from nc after the handshake. It starts the keepalive timer unless
// opts turn it off.
func NewConn(nc net.Conn, role Role, buffered []byte, neg Negotiated, opts *Options) *Conn {
	return newConn(nc, role, buffered, neg, opts, nil)
}

// newConn is NewConn, in push mode when out is set (NewPushConn).
// newConn makes a Conn; with bounds, a push-mode one (NewPushConn).
func newConn(nc net.Conn, role Role, buffered []byte, neg Negotiated, opts *Options, bounds *OutputBounds) *Conn {
	o, shared := opts.resolvedShared()
	var out *outQueue
	var low, high int32
	if bounds != nil {
		out = new(outQueue)
		low, high = resolveBounds(*bounds)
	}
	c := &Conn{
		nc:         nc,
		role:       role,
		negotiated: internNegotiated(neg.Subprotocol, neg.Extensions, neg.Codec, o, shared, low, high),
		out:        out,
		push:       out != nil,
	}
	if neg.Data != nil {
		c.rareOf().data = neg.Data
	}
	size := max(o.ReadBufferSize, len(buffered))
	now := time.Now()
	c.lastRead.Store(c.clock.stamp(now))
	if out == nil {
		p := &pullState{rc: rawio.RawConn(nc), lastIn: now.UnixNano()}
		p.rs.p = p
		c.readState = &p.rs
	}
	if len(buffered) > 0 {
		c.p.rbig = getBuf(size)
		c.p.rbuf = (*c.p.rbig)[:size]
		c.p.rw = copy(c.p.rbuf, buffered)
	}
	if out == nil {
		c.parser = parserPool.Get().(*Parser)
		c.parser.Reset(c.parserConfig())
	}
	if tc, ok := nc.(*net.TCPConn); ok && o.DisableNoDelay {
		_ = tc.SetNoDelay(false)
	}
	if o.PingInterval > 0 {
		c.kshard = uint8(keepaliveNext.Add(1) % keepaliveShards)
		keepaliveOf(c).schedule(c, o.PingInterval)
	}
	return c
}

// parserConfig is the configuration of the connection's Parser.
func (c *Conn) parserConfig() ParserConfig {
	pc := ParserConfig{Role: c.role, MaxFramePayload: c.opts.MaxFramePayload, MaxMessagePayload: c.opts.MaxMessagePayload}
	if c.codec != nil {
		// MaxMessagePayload then bounds both the encoded message (the
		// Parser) and the decoded one (Decode).
		pc.AllowedRsv = c.codec.Rsv()
	}
	return pc
}

// SetData keeps v with the connection: the handler's own per-connection
// state, for a Handler that serves every connection of a server (as on
// the event loop) and would otherwise look it up in a map. ws never reads
// it. It is not synchronized: set it in OnOpen, or before other goroutines
// use the Conn. The first non-nil value (here or through Accept's Data)
// costs the connection one 48-byte allocation, shared with Done's channel
// (and with the final error of a finished connection, and what streams,
// writers waiting for room and Close use of a push-mode one's output).
func (c *Conn) SetData(v any) {
	if v == nil && c.rare.Load() == nil {
		return
	}
	c.rareOf().data = v
}

// Data returns what SetData kept, or nil.
func (c *Conn) Data() any {
	if r := c.rare.Load(); r != nil {
		return r.data
	}
	return nil
}

// Subprotocol returns the negotiated subprotocol, or "".
func (c *Conn) Subprotocol() string { return c.subprotocol }

// Extensions returns the negotiated Sec-WebSocket-Extensions value, or "".
func (c *Conn) Extensions() string { return c.extensions }

// negotiated is what a handshake agreed on, with the Options the
// connection runs with. Without a codec (which has per-connection state)
// it is shared by the connections that agreed on the same with the same
// Options (internNegotiated): a server's connections mostly do.
type negotiated struct {
	subprotocol, extensions string
	codec                   Codec      // negotiated per-message extension, or nil
	opts                    *Options   // resolved, possibly shared by many connections
	clock                   stampClock // the unit of the Conn's time stamps (clockFor(opts))
	outLow, outHigh         int32      // push mode: the output's OutputBounds (resolveBounds); 0 otherwise
}

var negCache struct {
	sync.Mutex
	m map[negKey]*negotiated
}

// negKey is negCache's key.
type negKey struct {
	subprotocol, extensions string
	opts                    *Options
	outLow, outHigh         int32
}

// negCacheMax bounds negCache: past it, each connection gets its own record.
const negCacheMax = 256

// internNegotiated returns the *negotiated for the pair, codec, opts
// (resolved) and push mode's output bounds (low, high; 0 in pull mode):
// shared when codec is nil and opts shared (resolvedShared),
// a connection's own otherwise (its strings shared when they can be).
//
// The cache is keyed by the *Options pointer, not its content. The
// pointers are few as a rule: ws.Server, wshttp and wsloop resolve their
// Options once per server, and unresolved Options resolve to an interned
// copy (optintern.go). A copy made for one connection alone (client
// Options with a Header, NetDial or Proxy; optCache full) is never cached.
// The trade-off: a caller that resolves Options for each connection
// (Resolve() per call) fills the cache with pointers that are never seen
// again, which it keeps (as optCache keeps its copies), and from then on
// every connection made with a pointer not in the cache pays a record of
// its own (80 bytes) — more than the 8 bytes Conn saves by not holding
// opts itself. Resolve once and share the result.
func internNegotiated(subprotocol, extensions string, codec Codec, opts *Options, shared bool, low, high int32) *negotiated {
	own := func(n negotiated) *negotiated {
		n.codec = codec
		return &n
	}
	if !shared {
		return own(negotiated{subprotocol: strings.Clone(subprotocol), extensions: strings.Clone(extensions), opts: opts, clock: clockFor(opts), outLow: low, outHigh: high})
	}
	k := negKey{subprotocol, extensions, opts, low, high}
	negCache.Lock()
	defer negCache.Unlock()
	n := negCache.m[k]
	if n == nil {
		n = &negotiated{subprotocol: strings.Clone(subprotocol), extensions: strings.Clone(extensions), opts: opts, clock: clockFor(opts), outLow: low, outHigh: high} // not pinning a request's buffer
		if len(negCache.m) < negCacheMax {
			if negCache.m == nil {
				negCache.m = map[negKey]*negotiated{}
			}
			negCache.m[k] = n
		}
	}
	if codec != nil {
		return own(*n)
	}
	return n
}

// NetConn returns the underlying connection.
func (c *Conn) NetConn() net.Conn { return c.nc }

// LocalAddr returns the local address of the underlying connection.
func (c *Conn) LocalAddr() net.Addr { return c.nc.LocalAddr() }

// RemoteAddr returns the peer's address of the underlying connection.
func (c *Conn) RemoteAddr() net.Addr { return c.nc.RemoteAddr() }

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

// readState is the read side of a Conn that only a message under way
// needs (Conn.readState). c.rmu guards it.
type readState struct {
	parser    *Parser    // pooled; pull mode: nil from awaitInput until the next parse, push mode: held while a frame or message is under way
	msg       *[]byte    // pooled, for messages that span reads
	off       *offload   // push mode: a piece is being decoded off the loop
	held      []byte     // push mode: input after the message PauseRead came in, parsed once reading resumes (holdInput)
	msgCharge int64      // what the message being assembled holds of the MemoryBudget
	p         *pullState // pull mode's reading and framing; nil in push mode
}

// readStatePool holds the readStates of push-mode connections between
// messages: every field zero but parser, an idle Parser (released).
var readStatePool = sync.Pool{New: func() any { return &readState{parser: new(Parser)} }}

// pullState is the reading and framing state of a pull-mode Conn (one
// whose goroutines read and write nc themselves). A push-mode Conn, the
// event loop's, has none: its input comes through Feed and its output goes
// to its queue, so an idle connection on the loop does not carry it.
type pullState struct {
	rs      readState       // the Conn's readState, for the connection's life (rs.p is this pullState)
	rc      syscall.RawConn // nc's, for reads that hold no buffer while idle; nil if unsupported
	frameMu sync.Mutex      // held for writing one frame
	wake    chan struct{}   // guarded by Conn.mu: closed when writing a message ends; made by a writer that waits
	waiters int32           // guarded by Conn.mu: writers waiting for the message lock
	closeDL int64           // guarded by Conn.mu: unix nanoseconds; the close frame's deadline (Close, peerClosed, fail) bounds every write after it (0: none)
	closing chan struct{}   // guarded by Conn.mu: made by whoever writes the close frame (Close, peerClosed, fail), closed once that is written (or failed)
	pong    []byte          // guarded by Conn.mu: if pongDue, the payload of the ping to answer once frameMu is free (Conn.pong)
	pongDue bool            // guarded by Conn.mu
	// guarded by Conn.mu: closed when frameMu is let go; made by a writer
	// whose ctx may end while it waits for frameMu (lockFrame)
	frameWake chan struct{}
	// set under Conn.mu while pongDue or frameWake is set: unlockFrame
	// takes Conn.mu only then
	frameAux atomic.Bool
	// With rc, rbuf is a pooled buffer held only while input is pending;
	// otherwise small[:] while idle, else *rbig.
	rbuf    []byte
	rbig    *[]byte // pooled
	small   *[smallRead]byte
	rr, rw  int
	pending error // a read error awaitInput found, for nextEvent
	raw     rawRead
	reader  *messageReader
	idleKey uint64 // AwaitInputFunc's last registration (idlepoll.Key; 0: none). Guarded by Conn.mu
	hotDL   int64  // unix nanoseconds: the read deadline awaitHot left set on nc (0: none). Guarded by rmu
	lastIn  int64  // unix nanoseconds of the last input (Conn.lastRead in full, for awaitHot). Guarded by rmu
	wdl     int64  // guarded by Conn.mu: the write deadline last set on nc (unix nanoseconds; 0: none), if wdlSet
	wdlSet  bool   // guarded by Conn.mu: nc's write deadline is wdl (false: unknown)
	// set by a Close that waits for the read lock (readCloseAnswer):
	// unlockRead wakes it
	readFree atomic.Pointer[chan struct{}]
}

// rawRead is the state of one readRaw call.
type rawRead struct {
	fn  func(fd uintptr) bool
	n   int
	err error
}
