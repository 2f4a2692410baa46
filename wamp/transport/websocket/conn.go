package websocket

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/autobahn-go/autobahn/utf8"
	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/internal/inbox"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wshttp"
)

// Prefix starts every WAMP subprotocol name: "wamp.2.json".
const Prefix = "wamp.2."

// BatchedSuffix ends the name of a batched subprotocol: "wamp.2.json.batched".
const BatchedSuffix = ".batched"

var (
	// ErrNoSubprotocol: the peers share no WAMP subprotocol. Dial returns it
	// when the server accepted the WebSocket without choosing one of the
	// offered subprotocols, Accept and New when the client offered none
	// that Options.Serializers support.
	ErrNoSubprotocol = errors.New("websocket: no common WAMP subprotocol")
	// ErrMessageTooLarge: a message longer than the connection's
	// ws.Options.MaxMessagePayload. Send refuses it (nothing is sent, the
	// connection stays usable); on receive the ws layer closes the
	// connection with 1009 and Recv returns an error matching both this and
	// ws.ErrMessageTooBig.
	ErrMessageTooLarge = errors.New("websocket: message too large")
	// ErrClosed: Close was called.
	ErrClosed = errors.New("websocket: connection closed")
	// ErrFrameType: a text frame for a binary serializer or the reverse. It
	// matches wamp.ErrProtocolViolation too.
	ErrFrameType = &wamp.ProtocolError{Msg: "websocket frame type does not match the serializer"}
)

// Options configure Dial (the client), Accept and New (the server side).
type Options struct {
	// Serializers in order of preference. A client offers them in this
	// order; a server accepts these, choosing the client's first one it
	// supports. Required.
	Serializers []wamp.Serializer
	// Batched also offers (client) or accepts (server) the batched variant
	// "wamp.2.<name>.batched" of every serializer, just before its plain
	// one, so a client prefers batching but still talks to a server without
	// it (nexus), and a server honours the client's choice.
	Batched bool
	// WS configures the WebSocket connection: message and frame size
	// limits (MaxMessagePayload also bounds what Send sends), timeouts,
	// keepalive, TLSConfig for wss:// URLs, extra Header, Proxy, allowed
	// Origins on the server side. nil means ws defaults. Its Subprotocols
	// field is ignored: it is set from Serializers and Batched. For New,
	// pass the options the ws.Conn was made with.
	WS *ws.Options
	// InboxBytes and InboxMessages bound, on the event loop (DialLoop,
	// LoopHandler), what a Conn holds received but not yet taken by Recv:
	// the loop reads whether Recv is called or not, until the inbox holds a
	// quarter of either bound: then it stops reading that connection (TCP
	// pushes back on the peer) until Recv took it down to an eighth. The
	// rest of a read that paused (a read buffer full of small messages)
	// waits in ws until then. A message that goes past a bound all the same
	// (one larger than the rest of InboxBytes) gets the connection closed
	// with 1008 (policy violation), and Recv returns ErrInboxFull. A message always fits into
	// an empty inbox (WS.MaxMessagePayload bounds its size). 0 means the defaults
	// (DefaultInboxBytes, DefaultInboxMessages), negative no limit. The
	// goroutine driver (Dial, Accept, New) holds no inbox: Recv reads from
	// the socket and a peer waits for it.
	InboxBytes    int64
	InboxMessages int
	// WriteQueue is how many queued octets make Send wait, on goroutines
	// (Dial, Accept, New): Send queues its message for the connection's
	// writer and returns (see Send). Zero means DefaultWriteQueue (1 MiB).
	// WriteTimeout bounds each write of queued messages there; a peer
	// that reads nothing for that long loses the connection. Zero means
	// DefaultWriteTimeout (30 s). On the event loop the loop queues and
	// writes (wsloop's own limits apply) and these are not used.
	WriteQueue   int
	WriteTimeout time.Duration
	// Server, if set, makes Accept take its connections as Server's own
	// (wshttp.AcceptConn): they count towards Server.Options.
	// MaxConnections (503 beyond, and after Server.Shutdown) and in
	// Server.Metrics, and Server.Shutdown closes them with 1001, as the
	// connections of wshttp.Handler(Server) beside them. Each holds its
	// slot until Close: call it also after Recv failed. Dial, New and the
	// event loop's handlers ignore it.
	Server *ws.Server
}

// Subprotocol returns the subprotocol name of s: "wamp.2."+s.Name(), with
// ".batched" appended when batched.
func Subprotocol(s wamp.Serializer, batched bool) string {
	if batched {
		return Prefix + s.Name() + BatchedSuffix
	}
	return Prefix + s.Name()
}

// Subprotocols returns the subprotocol names of serializers in order (for
// every serializer its batched variant first when batched is true), ready
// for ws.Options.Subprotocols of a server that runs New on its connections.
func Subprotocols(serializers []wamp.Serializer, batched bool) []string {
	out := make([]string, 0, 2*len(serializers))
	for _, s := range serializers {
		if batched {
			out = append(out, Subprotocol(s, true))
		}
		out = append(out, Subprotocol(s, false))
	}
	return out
}

// Subprotocols returns the names Options offers or accepts.
func (o Options) Subprotocols() []string { return Subprotocols(o.Serializers, o.Batched) }

// WSOptions returns a copy of o.WS whose Subprotocols are o's: the
// ws.Options of a wsloop.Client for DialLoop (or of a server running
// ws.UpgradeConn and New).
func (o Options) WSOptions() *ws.Options { return o.wsOptions(o.Subprotocols()) }

// Choose returns the first of offered (a client's list, in its order of
// preference) that o supports, or "" when there is none. A ws.Handler can
// answer OnConnect with it: ws.Accept{Protocol: opts.Choose(req.Protocols)}.
func (o Options) Choose(offered []string) string {
	for _, p := range offered {
		if _, _, ok := o.lookup(p); ok {
			return p
		}
	}
	return ""
}

// lookup finds the serializer of subprotocol p among o's.
func (o Options) lookup(p string) (wamp.Serializer, bool, bool) {
	name, ok := strings.CutPrefix(p, Prefix)
	if !ok {
		return nil, false, false
	}
	name, batched := strings.CutSuffix(name, BatchedSuffix)
	if batched && !o.Batched {
		return nil, false, false
	}
	for _, s := range o.Serializers {
		if s.Name() == name {
			return s, batched, true
		}
	}
	return nil, false, false
}

// wsOptions returns a copy of o.WS offering or accepting protocols.
func (o Options) wsOptions(protocols []string) *ws.Options {
	var w ws.Options
	if o.WS != nil {
		w = *o.WS
	}
	w.Subprotocols = protocols
	return &w
}

func (o Options) maxMessage() int64 {
	switch {
	case o.WS == nil || o.WS.MaxMessagePayload == 0:
		return ws.DefaultMaxMessagePayload
	case o.WS.MaxMessagePayload < 0:
		return 0 // no limit
	}
	return o.WS.MaxMessagePayload
}

// Conn is a WAMP connection over a WebSocket. It implements wamp.Transport.
type Conn struct {
	c       *ws.Conn
	ser     wamp.Serializer
	maxSend int64 // 0: no limit

	// Read side, owned by the one goroutine in Recv.
	queue []wamp.Message // decoded messages of a batched frame
	qhead int

	// *loopSide: on the event loop only (nil on goroutines, whose idle
	// connections are smaller without it): check loop before using its
	// fields.
	*loopSide
	data any // SetData

	// The write side on goroutines (writer.go); unused on the event loop.
	wmu      sync.Mutex
	state    atomic.Uint32 // stateShut, … (below); beside wmu and wrefs, in the room their alignment leaves
	wrefs    int32         // Sends using w
	w        *writer       // while Sends use it (or it failed or Close drained it); nil when idle
	wlimit   int           // Options.WriteQueue resolved
	wtimeout time.Duration

	// Small fields together, so that an idle connection fits a smaller
	// allocation.
	batched bool
	op      ws.Opcode
	loop    bool // on the event loop: the output is ws's push queue, Send waits for room first, SendNow never waits
	wclosed bool // guarded by wmu: Close began, no more writers
	wparked bool // guarded by wmu: the reader waits in AwaitInput(0), an idle writer retires

	// header holds the opening handshake's HTTP headers a server
	// connection keeps (header.go).
	header string
	// end frees the connection's slot of Options.Server and counts its
	// close there, once it has ended (Close); nil without Server.
	end func()

	closeOnce sync.Once
}

// Bits of Conn.state; above stateCodeShift it holds the close code of
// the first Recv that got what does not decode (0: none).
const (
	stateShut      = 1 << iota // Close began (isClosed)
	stateGoingAway             // a GOODBYE or ABORT wamp.close.system_shutdown was sent: Close says 1001
	stateCodeShift = 16
)

// loopSide is what a Conn on the event loop has and one on goroutines
// does not.
type loopSide struct {
	in     *inbox.Inbox // LoopHandler, DialLoop: what OnMessage received; nil for a LoopReceiver's
	recv   Receiver     // LoopReceiver: messages go to it, decoded on the loop; nil otherwise
	failed error        // LoopReceiver: the decoding error that closed the connection (loop goroutine only)
	// closed is closed by Close (an inbox's Take waits on it). On
	// goroutines a room wait of Send ends on its writer's own channel
	// (writer.go) instead.
	closed chan struct{}
}

var _ wamp.Transport = (*Conn)(nil)

// Dial opens a WebSocket to url (ws:// or wss://, with TLS from
// opts.WS.TLSConfig) offering opts' subprotocols, and returns the
// connection bound to the serializer the server chose. A server that
// refuses every offer (answering 400, as Autobahn and this package's
// Accept do) makes Dial fail with the *ws.HandshakeError; one that accepts
// the WebSocket without choosing one of them (gorilla-based servers) makes
// it fail with ErrNoSubprotocol.
func Dial(ctx context.Context, url string, opts Options) (*Conn, error) {
	if len(opts.Serializers) == 0 {
		return nil, errors.New("websocket: Options.Serializers is required")
	}
	offered := opts.Subprotocols()
	c, err := ws.Dial(ctx, url, opts.wsOptions(offered))
	if err != nil {
		return nil, fmt.Errorf("websocket: dial %s offering %s: %w", url, strings.Join(offered, ", "), err)
	}
	t, err := New(c, opts)
	if err != nil {
		c.Close(ws.StatusProtocolError, "no WAMP subprotocol")
		return nil, fmt.Errorf("%w: offered %s, server chose %q", ErrNoSubprotocol, strings.Join(offered, ", "), c.Subprotocol())
	}
	return t, nil
}

// Accept upgrades an HTTP request to a WAMP WebSocket connection through
// wshttp.Accept, choosing the client's most preferred subprotocol among
// opts'. When the client offers none of them it answers 400 Bad Request
// (naming the subprotocols it speaks) and returns an error matching
// ErrNoSubprotocol; on other failures wshttp.Accept has answered with the
// HTTP error.
func Accept(w http.ResponseWriter, r *http.Request, opts Options) (*Conn, error) {
	if len(opts.Serializers) == 0 {
		http.Error(w, "no WAMP serializers configured", http.StatusInternalServerError)
		return nil, errors.New("websocket: Options.Serializers is required")
	}
	offered := headerTokens(r.Header["Sec-Websocket-Protocol"])
	chosen := opts.Choose(offered)
	if chosen == "" && ws.CheckHTTP(r.Method, func(name string) []string { return r.Header[name] }) == nil {
		if opts.Server != nil {
			opts.Server.Metrics.Rejected(http.StatusBadRequest)
		}
		http.Error(w, "no supported WebSocket subprotocol: this server speaks "+strings.Join(opts.Subprotocols(), ", "), http.StatusBadRequest)
		return nil, fmt.Errorf("%w: client offered %q", ErrNoSubprotocol, offered)
	}
	var protocols []string // nil: not a WebSocket request, wshttp answers it
	if chosen != "" {
		protocols = []string{chosen}
	}
	var c *ws.Conn
	var end func()
	var err error
	if opts.Server != nil {
		c, end, err = wshttp.AcceptConn(opts.Server, w, r, opts.wsOptions(protocols))
	} else {
		c, err = wshttp.Accept(w, r, opts.wsOptions(protocols))
	}
	if err != nil {
		return nil, err
	}
	t, err := New(c, opts)
	if err != nil {
		c.Close(ws.StatusProtocolError, "no WAMP subprotocol")
		if end != nil {
			end()
		}
		return nil, err
	}
	t.header = packHeader(r.Host, r.Header)
	t.end = end
	return t, nil
}

// New wraps a WebSocket connection whose opening handshake chose a WAMP
// subprotocol (from ws.Dial, wshttp.Accept or ws.UpgradeConn with
// ws.Options.Subprotocols set to opts.Subprotocols()). The Conn then owns
// c: nothing else may read it, so a connection run by ws.Serve or a
// ws.Server does not qualify. It fails with ErrNoSubprotocol when
// c.Subprotocol() is not one of opts'; c is left open.
func New(c *ws.Conn, opts Options) (*Conn, error) {
	return newConn(c, opts, false)
}

// newConn is New; a connection on the event loop (loop) has no write side
// of its own: its output is ws's push queue.
func newConn(c *ws.Conn, opts Options, loop bool) (*Conn, error) {
	p := c.Subprotocol()
	s, batched, ok := opts.lookup(p)
	if !ok {
		return nil, fmt.Errorf("%w: subprotocol %q", ErrNoSubprotocol, p)
	}
	op := ws.OpText
	if s.Binary() {
		op = ws.OpBinary
	}
	t := &Conn{c: c, ser: s, batched: batched, op: op, maxSend: opts.maxMessage(), loop: loop}
	if loop {
		t.loopSide = &loopSide{closed: make(chan struct{})}
	} else {
		t.wlimit, t.wtimeout = writeOptions(opts)
	}
	return t, nil
}

// Serializer returns the negotiated serializer.
func (c *Conn) Serializer() wamp.Serializer { return c.ser }

// Batched reports whether the batched variant of the subprotocol is in use.
func (c *Conn) Batched() bool { return c.batched }

// Subprotocol returns the negotiated subprotocol, e.g. "wamp.2.cbor".
func (c *Conn) Subprotocol() string { return c.c.Subprotocol() }

// WS returns the WebSocket connection, for its addresses, Ping or a Close
// with a code of one's own. Do not read from it.
func (c *Conn) WS() *ws.Conn { return c.c }

// ConnectionState returns the TLS state when the connection uses TLS
// (ws.Conn.ConnectionState: on goroutines and on the event loop).
func (c *Conn) ConnectionState() (tls.ConnectionState, bool) {
	return c.c.ConnectionState()
}

// Close runs the WebSocket closing handshake, bounded by
// ws.Options.CloseTimeout, with 1000 (normal closure); with 1001 (going
// away, RFC 6455 §7.4.1) once a GOODBYE or ABORT wamp.close.system_shutdown
// was sent, as a router that shuts down sends them; after Recv got what
// does not decode, with the code a LoopReceiver's connection closes with:
// 1003 for a frame of the wrong type, 1007 for the others. On the event
// loop it returns once the close frame is queued (the loop finishes the
// handshake, dropping the messages Recv has not taken and those still
// coming). On goroutines it first gives messages already queued up to a
// second to leave (so a message sent just before Close, an ABORT or a
// GOODBYE, is not lost). It is safe to call more than once and
// concurrently with Send and Recv, which then return ErrClosed.
func (c *Conn) Close() error {
	err := ErrClosed
	c.closeOnce.Do(func() {
		st := c.state.Or(stateShut)
		if c.loop {
			close(c.closed)
			if c.in != nil {
				// Recv takes nothing more: what arrives until the peer
				// answers the close frame is dropped, and reading must
				// not stay paused, or that answer is never read.
				c.in.Drop(ErrClosed)
			}
		}
		if !c.loop && c.drainWriter() {
			// The peer reads nothing: abandon the write by closing the
			// socket (no closing handshake is possible anyway), or ws's
			// Close would wait for it up to its CloseTimeout.
			_ = c.c.NetConn().Close()
		}
		code := ws.StatusCode(st >> stateCodeShift)
		switch {
		case code != 0: // Recv's fault
		case st&stateGoingAway != 0:
			code = ws.StatusGoingAway
		default:
			code = ws.StatusNormalClosure
		}
		err = c.c.Close(code, "")
		if c.end != nil {
			c.end() // the connection has ended: Close waited for it
		}
	})
	if err == ErrClosed {
		return nil
	}
	return err
}

func (c *Conn) isClosed() bool { return c.state.Load()&stateShut != 0 }

// noteGoingAway makes Close say 1001 when m ends the session because its
// sender shuts down.
func (c *Conn) noteGoingAway(m wamp.Message) {
	var reason wamp.URI
	switch m := m.(type) {
	case *wamp.Goodbye:
		reason = m.Reason
	case *wamp.Abort:
		reason = m.Reason
	case *wamp.Encoded:
		c.noteGoingAway(m.Message)
		return
	default:
		return
	}
	if reason == wamp.ErrSystemShutdown {
		c.state.Or(stateGoingAway)
	}
}

// encodeBufs holds encode buffers; one is taken per Send, so concurrent
// Sends encode in parallel and steady-state sending does not allocate.
var encodeBufs = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// Send serializes m as one WebSocket message: a text message for JSON,
// binary for the others. In a batched subprotocol every message is a
// batch of one (the receiving side handles batches of any size). A message
// longer than ws.Options.MaxMessagePayload fails with ErrMessageTooLarge
// and is not sent; so is a JSON message carrying a string that is not
// UTF-8 (a text frame must be UTF-8: Send returns ws.ErrInvalidUTF8; send
// such data as []byte). Either way the connection stays usable.
//
// On goroutines (Dial, Accept, New) Send queues the message and, if no
// write is under way, writes it together with whatever else is queued by
// then; otherwise it returns at once and the write under way takes it
// (see the package doc). Send waits, within ctx, while more than
// Options.WriteQueue octets are queued (ctx bounds only that wait), and
// during its own write, which Options.WriteTimeout bounds. A write that fails
// (or takes longer than Options.WriteTimeout) closes the connection, and
// every later Send returns its error. On the event
// loop Send hands the message to the connection's queue, after waiting
// (within ctx) while more than the loop's write high watermark is pending
// there; the wait ends when the loop drains to its low watermark. Send
// must not be called from a ws.Handler or Receiver callback of the loop
// (its wait would hold up the loop that drains the queue): use SendNow
// there. An *wamp.Encoded goes as SendEncoded sends it.
func (c *Conn) Send(ctx context.Context, m wamp.Message) error {
	if c.isClosed() {
		return ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	bp, b, err := c.encode(m)
	defer putEncodeBuf(bp)
	if err != nil {
		return err
	}
	if !c.loop {
		if c.op == ws.OpText && !utf8.Valid(b) {
			return ws.ErrInvalidUTF8 // refused here: it would fail the whole batch
		}
		w := c.acquireWriter()
		if w == nil {
			return ErrClosed // Close began
		}
		err := w.wq.Add(ctx, func(q []byte) ([]byte, error) { return append(q, b...), nil })
		c.releaseWriter()
		if err != nil && c.isClosed() && ctx.Err() == nil {
			return ErrClosed
		}
		return err
	}
	// On the loop a write never waits: Send, on a goroutine, waits for
	// room first (woken at the loop's low watermark). Other Sends may take
	// that room between the wait and the write (the loop wakes every
	// waiter at once): then the write finds the queue full, and Send
	// waits again. (Each refusal means another message was queued.) An
	// exhausted MemoryBudget, which matches ErrQueueFull too, is no such
	// refusal: WaitWritable would return at once, and Send fails.
	for {
		err = c.c.WaitWritable(ctx)
		if err == nil {
			err = c.c.WriteMessage(ctx, c.op, b)
		}
		if !errors.Is(err, ws.ErrQueueFull) || errors.Is(err, ws.ErrMemoryBudget) {
			break
		}
	}
	if err != nil {
		if c.isClosed() && ctx.Err() == nil {
			return ErrClosed
		}
		return err
	}
	return nil
}

// encode serializes m into a pooled buffer (give it back with
// putEncodeBuf): a batch of one in a batched subprotocol. A message over
// the send limit fails with ErrMessageTooLarge.
func (c *Conn) encode(m wamp.Message) (*[]byte, []byte, error) {
	c.noteGoingAway(m)
	if e, ok := m.(*wamp.Encoded); ok {
		if e.For(c.ser) {
			bp, b := c.encoded(e) // encoded.go
			if c.maxSend > 0 && int64(len(b)) > c.maxSend {
				return bp, b, ErrMessageTooLarge
			}
			return bp, b, nil
		}
		m = e.Message
	}
	bp := encodeBufs.Get().(*[]byte)
	var (
		b   []byte
		err error
	)
	if c.batched {
		b, err = wamp.AppendBatched((*bp)[:0], c.ser, m)
	} else {
		b, err = c.ser.AppendMessage((*bp)[:0], m)
	}
	*bp = b[:0]
	if err == nil && c.maxSend > 0 && int64(len(b)) > c.maxSend {
		err = ErrMessageTooLarge
	}
	return bp, b, err
}

// putEncodeBuf returns an encode buffer to the pool, unless a huge message
// grew it; bp may be nil (nothing was taken).
func putEncodeBuf(bp *[]byte) {
	if bp != nil && cap(*bp) <= 64<<10 {
		encodeBufs.Put(bp)
	}
}

// Recv returns the next message; the messages of a batched frame are
// returned one by one, in order. After Close it returns ErrClosed; when
// the peer closes, an error matching io.EOF and ws.ErrClosed (errors.As
// finds the *ws.CloseError with the peer's code and reason); when a write
// of this side failed and dropped the connection (Options.WriteTimeout
// passed, a broken pipe), "websocket: write failed", an error matching
// ws.ErrClosed and the write's error, not io.EOF; on the event loop, when
// this side's loop dropped the connection without a close handshake (its
// IdleTimeout, a peer too slow to read under SlowReaderClose, Close's
// CloseTimeout), "websocket: dropped by this side", an error matching
// ws.ErrClosed and the cause (eventloop.ErrTimeout,
// eventloop.ErrSlowReader, ...), not io.EOF, while the peer's end of the
// TCP connection is its closing as above (ws.Conn.Err tells a Handler
// which). A message
// over ws.Options.MaxMessagePayload fails with an error matching
// ErrMessageTooLarge; a frame of the wrong type (ErrFrameType), a bad batch
// (wamp.ErrBatchFormat) and decoding errors match
// wamp.ErrProtocolViolation. After an error the connection is unusable;
// close it. Cancelling ctx while waiting drops the connection, except on
// the event loop, where nothing is half read: there Recv returns ctx's
// error and the connection stays usable. On the event loop Recv returns
// the messages received before the connection ended, then the end; an
// overflowing inbox ends it with ErrInboxFull (see Options.InboxBytes).
// On a LoopReceiver connection, whose messages go to the Receiver, Recv
// fails with an error matching ws.ErrPushMode.
func (c *Conn) Recv(ctx context.Context) (wamp.Message, error) {
	if c.isClosed() {
		return nil, ErrClosed
	}
	if c.qhead < len(c.queue) {
		m := c.queue[c.qhead]
		c.queue[c.qhead] = nil
		c.qhead++
		return m, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if c.loop && c.recv != nil {
		return nil, errReceiverRecv
	}
	if c.loop && c.in != nil {
		r, err := c.in.Take(ctx, c.closed, ErrClosed)
		if err != nil {
			return nil, c.recvErr(ctx, err)
		}
		m, err := c.decode(r.Binary, *r.P)
		inbox.Release(r.P)
		return m, err
	}
	op, p, err := c.c.ReadMessage(ctx)
	if err != nil {
		return nil, c.recvErr(ctx, err)
	}
	return c.decode(op == ws.OpBinary, p)
}

// decode decodes a received WebSocket message; for a batched subprotocol
// it queues all but the first of its messages for the next Recv calls.
func (c *Conn) decode(binary bool, p []byte) (wamp.Message, error) {
	if binary != c.ser.Binary() {
		c.recvFailed(ws.StatusUnsupportedData)
		return nil, ErrFrameType
	}
	if !c.batched {
		m, err := c.ser.Unmarshal(p)
		if err != nil {
			c.recvFailed(ws.StatusInvalidFramePayloadData)
			return nil, violation(err)
		}
		return m, nil
	}
	c.queue, c.qhead = c.queue[:0], 0
	err := wamp.SplitBatched(c.ser, p, func(m wamp.Message) error {
		c.queue = append(c.queue, m)
		return nil
	})
	if err != nil {
		clear(c.queue)
		c.queue = c.queue[:0]
		c.recvFailed(ws.StatusInvalidFramePayloadData)
		return nil, violation(err)
	}
	if cap(c.queue) > 1024 && len(c.queue) < 64 {
		c.queue = append([]wamp.Message(nil), c.queue...) // let a huge batch's slice go
	}
	m := c.queue[0]
	c.queue[0] = nil
	c.qhead = 1
	return m, nil
}

// recvFailed keeps code for Close: the first decoding failure's.
func (c *Conn) recvFailed(code ws.StatusCode) {
	for {
		st := c.state.Load()
		if st>>stateCodeShift != 0 || c.state.CompareAndSwap(st, st|uint32(code)<<stateCodeShift) {
			return
		}
	}
}

// headerTokens splits comma-separated header values into trimmed tokens.
func headerTokens(values []string) []string {
	var out []string
	for _, v := range values {
		for t := range strings.SplitSeq(v, ",") {
			if t = strings.TrimSpace(t); t != "" {
				out = append(out, t)
			}
		}
	}
	return out
}
