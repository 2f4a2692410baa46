package websocket

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/autobahn-go/autobahn/wamp/internal/inbox"
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

// DialLoop opens a WebSocket to url (ws:// or wss://; proxies give
// wsloop.ErrUnsupported) on the event loops of cl, and returns the
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

// LoopServer is the ws.Handler of LoopHandler and LoopReceiver, shared by
// every connection of a wsloop.Server. Each connection's Conn is kept with
// its ws.Conn (ws.Conn.SetData).
type LoopServer struct {
	opts  Options
	serve func(*Conn) // LoopHandler
	recv  Receiver    // LoopReceiver

	mu      sync.Mutex
	running int           // serve calls not yet returned
	idle    chan struct{} // closed when running reaches 0; made by Wait

}

var _ ws.Handler = (*LoopServer)(nil)

// Wait waits until every serve call has returned, or ctx ends. Call it
// after wsloop.Server.Shutdown, which closes the connections (so each
// session's Recv ends), to know that no session is still running. For
// LoopReceiver it returns at once: there is no goroutine to wait for, and
// Shutdown returns after the last OnClose.
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
	// The headers go to OnOpen as the connection's Data (header.go).
	return ws.Accept{Protocol: p, Data: acceptedHeader(packHeader(req.Host, req.Header()))}, nil
}

// OnOpen wraps the connection and starts serve on a goroutine, or hands
// it to the Receiver.
func (h *LoopServer) OnOpen(wc *ws.Conn) {
	if h.recv != nil {
		h.openReceiver(wc)
		return
	}
	c, err := newPush(wc, h.opts)
	if err != nil { // cannot happen: OnConnect chose one of opts'
		_ = wc.Close(ws.StatusProtocolError, "no WAMP subprotocol")
		return
	}
	c.header = takeHeader(wc)
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

// OnMessage queues the message for the connection's Recv, or decodes it
// for the Receiver.
func (h *LoopServer) OnMessage(wc *ws.Conn, op ws.Opcode, p []byte) {
	c, ok := wc.Data().(*Conn)
	switch {
	case !ok:
	case c.recv != nil:
		c.dispatch(p, (op == ws.OpBinary))
	default:
		c.receive(p, (op == ws.OpBinary))
	}
}

// OnClose ends the connection's Conn.
func (h *LoopServer) OnClose(wc *ws.Conn, wasClean bool, code ws.StatusCode, reason string) {
	c, ok := wc.Data().(*Conn)
	if !ok {
		return
	}
	wc.SetData(nil)
	if c.recv != nil {
		c.ended(loopEnd(wc, wasClean, code, reason))
		return
	}
	c.in.Finish(loopEnd(wc, wasClean, code, reason))
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

func (h *loopClient) OnMessage(_ *ws.Conn, op ws.Opcode, p []byte) {
	if h.conn != nil {
		h.conn.receive(p, (op == ws.OpBinary))
	}
}

func (h *loopClient) OnClose(wc *ws.Conn, wasClean bool, code ws.StatusCode, reason string) {
	if h.conn != nil {
		h.conn.in.Finish(loopEnd(wc, wasClean, code, reason))
	}
}

// newPush wraps a push-mode connection: Recv takes from an inbox the
// Handler fills.
func newPush(wc *ws.Conn, opts Options) (*Conn, error) {
	c, err := newConn(wc, opts, true)
	if err != nil {
		return nil, err
	}
	c.in = newInbox(opts)
	c.in.SetPause(func(paused bool) {
		if paused {
			wc.PauseRead()
		} else {
			wc.ResumeRead()
		}
	})
	return c, nil
}

// receive queues a message (on the loop). The inbox pauses reading while
// Recv lags; a message past its bound all the same closes the connection
// with 1008.
func (c *Conn) receive(p []byte, binary bool) {
	if !c.in.Put(p, binary) {
		_ = c.c.Close(ws.StatusPolicyViolation, "WAMP receive inbox full")
	}
}

// loopEnd is endError for a connection of the loop, with the cause of a
// drop without a close handshake (ws.Conn.Err): the peer went away, or
// this side's loop dropped the connection (eventloop.ErrTimeout, ...).
func loopEnd(wc *ws.Conn, wasClean bool, code ws.StatusCode, reason string) error {
	var ce *ws.CloseError
	if !wasClean && code == ws.StatusAbnormalClosure && errors.As(wc.Err(), &ce) && ce.Code == code && ce.Err != nil {
		return ce
	}
	return endError(wasClean, code, reason)
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

// newInbox returns the inbox of a push-mode connection: the messages
// from the loop's OnMessage until Recv takes them.
func newInbox(opts Options) *inbox.Inbox {
	return inbox.New(inbox.Limit(opts.InboxBytes, DefaultInboxBytes), inbox.Limit(opts.InboxMessages, DefaultInboxMessages),
		func(n int, bytes int64) error {
			return fmt.Errorf("%w: %d messages, %d bytes queued; closed the connection with %v", ErrInboxFull, n, bytes, ws.StatusPolicyViolation)
		})
}
