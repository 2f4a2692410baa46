package websocket

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// Defaults of Options.InboxBytes and Options.InboxMessages.
const (
	DefaultInboxBytes    = 16 << 20
	DefaultInboxMessages = 4096
)

// ErrInboxFull: on the event loop, the peer sent more than
// Options.InboxBytes or Options.InboxMessages while Recv was not taking
// messages. The connection is closed with 1008 (policy violation), what
// was queued is dropped and Recv returns an error matching ErrInboxFull.
var ErrInboxFull = errors.New("websocket: receive inbox full (Recv fell behind the peer)")

// DialLoop opens a WebSocket to url (ws:// only: wsloop.ErrUnsupported
// for wss:// and proxies) on the event loops of cl, and returns the
// connection bound to the serializer the server chose among opts'. The
// subprotocols offered are cl's (a wsloop.Client offers the same ones on
// every connection): make cl with Options: opts.WSOptions(). DialLoop fails
// with ErrNoSubprotocol at once when cl offers none of opts', and like
// Dial when the server chooses none. opts.WS bounds what Send sends
// (MaxMessagePayload); receive limits are cl's.
//
// Incoming messages are queued on the loop (see Options.InboxBytes) and
// decoded by Recv, on the caller's goroutine.
func DialLoop(ctx context.Context, cl *wsloop.Client, url string, opts Options) (*Conn, error) {
	if len(opts.Serializers) == 0 {
		return nil, errors.New("websocket: Options.Serializers is required")
	}
	var offered []string
	if cl.Options != nil {
		offered = cl.Options.Subprotocols
	}
	if opts.Choose(offered) == "" {
		return nil, fmt.Errorf("%w: the wsloop.Client offers %q; make it with Options: opts.WSOptions()", ErrNoSubprotocol, offered)
	}
	h := &loopClient{opts: opts}
	wc, err := cl.Dial(ctx, url, h)
	if err != nil {
		return nil, fmt.Errorf("websocket: dial %s offering %s: %w", url, strings.Join(offered, ", "), err)
	}
	if h.err != nil {
		_ = wc.Close(ws.StatusProtocolError, "no WAMP subprotocol")
		return nil, fmt.Errorf("%w: offered %s, server chose %q", ErrNoSubprotocol, strings.Join(offered, ", "), wc.Subprotocol())
	}
	return h.conn, nil
}

// LoopHandler returns the ws.Handler of a WAMP server on the event loop:
//
//	srv := &wsloop.Server{Handler: websocket.LoopHandler(opts, serve), Options: opts.WS}
//
// Its OnConnect chooses the client's most preferred subprotocol among
// opts' (a client offering none is answered 400 Bad Request, as Accept
// does); OnOpen wraps the connection in a Conn and runs serve(c) on a
// goroutine of its own (a WAMP session is a blocking Recv loop; the loop
// must not block), closing c when serve returns; OnMessage queues the
// message for Recv; OnClose ends the Conn, whose Recv returns what is
// queued, then the connection's end. opts.WS should be the server's
// ws.Options (its MaxMessagePayload bounds what Send sends). After
// srv.Shutdown, Wait waits for the serve calls to return.
func LoopHandler(opts Options, serve func(*Conn)) *LoopServer {
	return &LoopServer{opts: opts, serve: serve}
}

// LoopServer is LoopHandler's ws.Handler, shared by every connection of
// a wsloop.Server. Each connection's Conn is kept with its ws.Conn
// (ws.Conn.SetData).
type LoopServer struct {
	opts  Options
	serve func(*Conn)

	mu      sync.Mutex
	running int           // serve calls not yet returned
	idle    chan struct{} // closed when running reaches 0; made by Wait
}

var _ ws.Handler = (*LoopServer)(nil)

// Wait waits until every serve call has returned, or ctx ends. Call it
// after wsloop.Server.Shutdown, which closes the connections (so each
// session's Recv ends), to know that no session is still running.
func (h *LoopServer) Wait(ctx context.Context) error {
	h.mu.Lock()
	if h.running == 0 {
		h.mu.Unlock()
		return nil
	}
	if h.idle == nil {
		h.idle = make(chan struct{})
	}
	idle := h.idle
	h.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// OnConnect chooses the subprotocol.
func (h *LoopServer) OnConnect(req *ws.ConnectRequest) (ws.Accept, error) {
	p := h.opts.Choose(req.Protocols)
	if p == "" {
		return ws.Accept{}, &ws.HandshakeError{Status: 400, Reason: "no supported WebSocket subprotocol: this server speaks " + strings.Join(h.opts.Subprotocols(), ", ")}
	}
	return ws.Accept{Protocol: p}, nil
}

// OnOpen wraps the connection and starts serve on a goroutine.
func (h *LoopServer) OnOpen(wc *ws.Conn) {
	c, err := newPush(wc, h.opts)
	if err != nil { // cannot happen: OnConnect chose one of opts'
		_ = wc.Close(ws.StatusProtocolError, "no WAMP subprotocol")
		return
	}
	wc.SetData(c)
	h.mu.Lock()
	h.running++
	h.mu.Unlock()
	go func() {
		defer h.served()
		defer c.Close()
		h.serve(c)
	}()
}

// served counts one serve call as returned.
func (h *LoopServer) served() {
	h.mu.Lock()
	if h.running--; h.running == 0 && h.idle != nil {
		close(h.idle)
		h.idle = nil
	}
	h.mu.Unlock()
}

// OnMessage queues the message for the connection's Recv.
func (h *LoopServer) OnMessage(wc *ws.Conn, p []byte, binary bool) {
	if c, ok := wc.Data().(*Conn); ok {
		c.receive(p, binary)
	}
}

// OnClose ends the connection's Conn.
func (h *LoopServer) OnClose(wc *ws.Conn, wasClean bool, code ws.StatusCode, reason string) {
	if c, ok := wc.Data().(*Conn); ok {
		wc.SetData(nil)
		c.in.finish(endError(wasClean, code, reason))
	}
}

// loopClient is the ws.Handler of one connection of DialLoop. OnOpen runs
// on the loop before Dial returns, and before any OnMessage.
type loopClient struct {
	ws.BaseHandler
	opts Options
	conn *Conn
	err  error
}

func (h *loopClient) OnOpen(wc *ws.Conn) { h.conn, h.err = newPush(wc, h.opts) }

func (h *loopClient) OnMessage(_ *ws.Conn, p []byte, binary bool) {
	if h.conn != nil {
		h.conn.receive(p, binary)
	}
}

func (h *loopClient) OnClose(_ *ws.Conn, wasClean bool, code ws.StatusCode, reason string) {
	if h.conn != nil {
		h.conn.in.finish(endError(wasClean, code, reason))
	}
}

// newPush wraps a push-mode connection: Recv takes from an inbox the
// Handler fills.
func newPush(wc *ws.Conn, opts Options) (*Conn, error) {
	c, err := New(wc, opts)
	if err != nil {
		return nil, err
	}
	c.in = newInbox(opts)
	return c, nil
}

// receive queues a message (on the loop); a full inbox closes the
// connection with 1008.
func (c *Conn) receive(p []byte, binary bool) {
	if !c.in.put(p, binary) {
		_ = c.c.Close(ws.StatusPolicyViolation, "WAMP receive inbox full")
	}
}

// endError rebuilds, from what Handler.OnClose tells, the error a reading
// goroutine would have had from ws.Conn.ReadMessage. A connection that
// ended without a clean close handshake but with a code other than 1006
// was failed by this side (ws.Conn fails a connection for the peer's
// fault with the code of the fault); the others are *ws.CloseError.
func endError(wasClean bool, code ws.StatusCode, reason string) error {
	if wasClean || code == ws.StatusAbnormalClosure {
		return &ws.CloseError{Code: code, Reason: reason, WasClean: wasClean}
	}
	fault := ws.ErrProtocol
	switch code {
	case ws.StatusInvalidFramePayloadData:
		fault = ws.ErrInvalidUTF8
	case ws.StatusMessageTooBig:
		fault = ws.ErrMessageTooBig
	case ws.StatusInternalError:
		fault = ws.ErrExtension
	}
	return &ws.ProtocolError{Code: code, Reason: reason, Err: fault}
}

// inbox holds the messages of a push-mode connection from the loop's
// OnMessage until Recv takes them; the payloads are copies in pooled
// buffers. The loop puts, one goroutine takes.
type inbox struct {
	mu       sync.Mutex
	msgs     []received
	head     int
	bytes    int64
	maxBytes int64 // 0: no limit
	maxCount int   // 0: no limit
	end      error // set once: no more messages come
	ready    chan struct{}
}

type received struct {
	p      *[]byte
	binary bool
}

func newInbox(opts Options) *inbox {
	in := &inbox{maxBytes: opts.InboxBytes, maxCount: opts.InboxMessages, ready: make(chan struct{}, 1)}
	switch {
	case in.maxBytes == 0:
		in.maxBytes = DefaultInboxBytes
	case in.maxBytes < 0:
		in.maxBytes = 0
	}
	switch {
	case in.maxCount == 0:
		in.maxCount = DefaultInboxMessages
	case in.maxCount < 0:
		in.maxCount = 0
	}
	return in
}

// put queues a copy of p. It reports false when the inbox is full: it then
// drops what it holds and ends with ErrInboxFull. A message is always
// taken into an empty inbox (ws.Options.MaxMessagePayload bounds its size).
func (in *inbox) put(p []byte, binary bool) bool {
	in.mu.Lock()
	if in.end != nil {
		in.mu.Unlock()
		return true
	}
	if n := len(in.msgs) - in.head; n > 0 &&
		(in.maxCount > 0 && n >= in.maxCount || in.maxBytes > 0 && in.bytes+int64(len(p)) > in.maxBytes) {
		in.end = fmt.Errorf("%w: %d messages, %d bytes queued; closed the connection with %v", ErrInboxFull, n, in.bytes, ws.StatusPolicyViolation)
		for _, r := range in.msgs[in.head:] {
			putMsgBuf(r.p)
		}
		in.msgs, in.head, in.bytes = nil, 0, 0
		in.mu.Unlock()
		in.signal()
		return false
	}
	bp := msgBufs.Get().(*[]byte)
	*bp = append((*bp)[:0], p...)
	in.msgs = append(in.msgs, received{bp, binary})
	in.bytes += int64(len(p))
	in.mu.Unlock()
	in.signal()
	return true
}

// finish records why no more messages come, unless an earlier end is known.
func (in *inbox) finish(err error) {
	in.mu.Lock()
	if in.end == nil {
		in.end = err
	}
	in.mu.Unlock()
	in.signal()
}

func (in *inbox) signal() {
	select {
	case in.ready <- struct{}{}:
	default:
	}
}

// take returns the oldest message (the caller puts its buffer back with
// putMsgBuf), waiting for one; once the inbox is empty and ended, the end.
func (in *inbox) take(ctx context.Context, closed <-chan struct{}) (received, error) {
	for {
		in.mu.Lock()
		if in.head < len(in.msgs) {
			r := in.msgs[in.head]
			in.msgs[in.head] = received{}
			in.head++
			in.bytes -= int64(len(*r.p))
			switch {
			case in.head == len(in.msgs) && cap(in.msgs) > 256:
				in.msgs, in.head = nil, 0 // let a burst's slice go
			case in.head == len(in.msgs):
				in.msgs, in.head = in.msgs[:0], 0
			case in.head >= 256 && 2*in.head >= len(in.msgs):
				n := copy(in.msgs, in.msgs[in.head:])
				clear(in.msgs[n:])
				in.msgs, in.head = in.msgs[:n], 0
			}
			in.mu.Unlock()
			return r, nil
		}
		end := in.end
		in.mu.Unlock()
		if end != nil {
			return received{}, end
		}
		select {
		case <-in.ready:
		case <-ctx.Done():
			return received{}, ctx.Err()
		case <-closed:
			return received{}, ErrClosed
		}
	}
}

// msgBufs holds the inbox's payload copies; Recv returns each after
// decoding (serializers do not keep their input).
var msgBufs = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

func putMsgBuf(bp *[]byte) {
	if cap(*bp) <= 64<<10 {
		msgBufs.Put(bp)
	}
}
