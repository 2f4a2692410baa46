package ws

import (
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/autobahn-go/autobahn/internal/rawio"
	"github.com/autobahn-go/autobahn/ws/wsmetrics"
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
	codec       Codec          // negotiated per-message extension, or nil
	metrics     *wsmetrics.Set // SetMetrics; nil: not counted
	openedAt    int64          // metrics' start time of the connection

	// Read side, guarded by rmu. With rc, rbuf is a pooled buffer held
	// only while input is pending; otherwise small[:] while idle, else
	// *rbig.
	rmu       sync.Mutex
	rbuf      []byte
	rbig      *[]byte // pooled
	small     *[smallRead]byte
	rr, rw    int
	parser    Parser
	msg       *[]byte // pooled, for messages that span reads
	mop       Opcode  // opcode of the message being read
	mdec      bool    // the message being read carries the extension
	push      bool    // input comes through Feed (an event-loop driver)
	told      bool    // push mode: the Handler has had OnClose
	pending   error   // a read error awaitInput found, for nextEvent
	raw       rawRead // readRaw's state
	reader    *messageReader
	off       *offload // push mode: a piece is being decoded off the loop
	msgCharge int64    // what the message being assembled holds of the MemoryBudget

	// Write side: writing is held for a whole message, frameMu for a frame.
	// In push mode neither is used: every write goes to out.
	frameMu sync.Mutex
	out     *outQueue   // push mode's output; nil otherwise
	closeDL time.Time   // guarded by mu: Close's deadline bounds every write after it
	closeT  *time.Timer // guarded by mu: push mode, drops the connection at closeDL

	role      Role  // fixed; here it fills what would be padding
	kshard    uint8 // the keepalive group (keepaliveOf)
	upause    bool  // guarded by mu: PauseRead
	opause    bool  // guarded by mu: reading paused while decoding off the loop
	mu        sync.Mutex
	closeSent bool
	writing   bool          // a message is being written
	ended     bool          // nc is closed
	closeErr  *CloseError   // set once the connection is finished
	done      chan struct{} // closed when nc is closed; made by Done, if called
	wake      chan struct{} // closed when writing ends; made by a writer that waits
	pingSent  time.Time     // guarded by mu

	keepaliveSlot int // in keepaliveOf(c)'s heap (index + 1; 0: none), guarded by its mu

	lastRead atomic.Int64 // unix nanoseconds of the last input
	msgStart atomic.Int64 // unix nanoseconds: a message spanning pieces began (0: none)

	data any // SetData's
}

// NewConn wraps nc, whose opening handshake is complete, as a Conn playing
// role with what the handshake negotiated. buffered holds bytes already
// read from nc after the handshake. It starts the keepalive timer unless
// opts turn it off.
func NewConn(nc net.Conn, role Role, buffered []byte, neg Negotiated, opts *Options) *Conn {
	return newConn(nc, role, buffered, neg, opts, nil)
}

// newConn is NewConn, in push mode when out is set (NewPushConn).
func newConn(nc net.Conn, role Role, buffered []byte, neg Negotiated, opts *Options, out *outQueue) *Conn {
	o := opts.resolved()
	c := &Conn{
		nc:          nc,
		role:        role,
		opts:        o,
		subprotocol: neg.Subprotocol,
		extensions:  neg.Extensions,
		codec:       neg.Codec,
		out:         out,
		push:        out != nil,
	}
	if out != nil {
		out.budget = o.budget()
	}
	size := max(o.ReadBufferSize, len(buffered))
	if out == nil {
		c.rc = rawio.RawConn(nc)
	}
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
		c.kshard = uint8(keepaliveNext.Add(1) % keepaliveShards)
		keepaliveOf(c).schedule(c, o.PingInterval)
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

// rawRead is the state of one readRaw call.
type rawRead struct {
	fn  func(fd uintptr) bool
	n   int
	err error
}
