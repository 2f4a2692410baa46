package ws

import (
	"context"
	"errors"
	"time"
)

// Accept is a Handler's answer to accept an opening handshake.
type Accept struct {
	// Protocol is the chosen subprotocol: one of ConnectRequest.Protocols,
	// or "" for none.
	Protocol string
	// Header holds extra response headers.
	Header map[string][]string
	// Extensions and Codec are the negotiated per-message extension: the
	// Sec-WebSocket-Extensions answer and the connection's Codec. Negotiate
	// fills them from Options.Extensions unless OnConnect set Codec.
	Extensions string
	Codec      Codec
	// Data, if set, is the Conn's Data (Conn.Data) from OnOpen on: the
	// connection's own state, made from its request (its headers, the
	// authenticated user), on every driver, without a lookup table from
	// OnConnect to OnOpen.
	Data any
}

// Negotiated returns what a driver passes to NewConn.
func (a Accept) Negotiated() Negotiated {
	return Negotiated{Subprotocol: a.Protocol, Extensions: a.Extensions, Codec: a.Codec, Data: a.Data}
}

// Handler is the application side of a connection, in the shape of
// Autobahn's WebSocketServerProtocol. A driver calls OnConnect during the
// opening handshake (reject with a *HandshakeError carrying the HTTP status,
// 3xx to 5xx;
// req is valid only during the call, see ConnectRequest),
// then OnOpen, OnMessage for every message (op is OpText or OpBinary, the
// type WriteMessage takes, so an echo is c.WriteMessage(ctx, op, payload);
// the payload is valid only during the call) and OnClose exactly once
// (for a drop without a close handshake, 1006 with no reason, c.Err()
// tells the cause: the peer went away, a timeout). All calls for one connection come from
// one goroutine; a Handler may write to the Conn from any goroutine.
// Embed BaseHandler to implement only some of the methods.
type Handler interface {
	OnConnect(req *ConnectRequest) (Accept, error)
	OnOpen(c *Conn)
	OnMessage(c *Conn, op Opcode, payload []byte)
	OnClose(c *Conn, wasClean bool, code StatusCode, reason string)
}

// BaseHandler implements every Handler method: OnConnect accepts without a
// subprotocol, the others do nothing.
type BaseHandler struct{}

// OnConnect accepts the connection without a subprotocol.
func (BaseHandler) OnConnect(*ConnectRequest) (Accept, error) { return Accept{}, nil }

// OnOpen does nothing.
func (BaseHandler) OnOpen(*Conn) {}

// OnMessage drops the message.
func (BaseHandler) OnMessage(*Conn, Opcode, []byte) {}

// OnClose does nothing.
func (BaseHandler) OnClose(*Conn, bool, StatusCode, string) {}

// Serve runs h on an open connection until it ends: OnOpen, then OnMessage
// per message, then OnClose. When ctx is cancelled the connection is closed
// with StatusGoingAway. A panic of h is contained as on a Server (unless
// the connection's Options.PanicCrash): the connection is closed with
// 1011, OnClose is still called once, the panic is logged with its stack
// on Options.Logger and counted (ServePanics), and Serve returns.
func Serve(ctx context.Context, c *Conn, h Handler) {
	if ctx.Done() != nil {
		stop := context.AfterFunc(ctx, func() { _ = c.Close(StatusGoingAway, "server shutting down") })
		defer stop()
	}
	told := false // OnClose was called (or is under way)
	if !c.opts.PanicCrash {
		defer func() {
			if v := recover(); v != nil {
				contain(v, c, h, told, c.opts, &servePanics)
			}
		}()
	}
	h.OnOpen(c)
	for {
		// Wait for input here, low on the goroutine's stack and holding no
		// buffer.
		c.awaitData()
		op, p, err := c.ReadMessage(context.Background())
		if err != nil {
			told = true
			closed(c, h, err)
			return
		}
		h.OnMessage(c, op, p)
	}
}

// closed tells h how the connection ended and releases it.
func closed(c *Conn, h Handler, err error) {
	c.countClose(err)
	var ce *CloseError
	var pe *ProtocolError
	switch {
	case errors.As(err, &ce):
		h.OnClose(c, ce.WasClean, ce.Code, ce.Reason)
	case errors.As(err, &pe):
		h.OnClose(c, false, pe.Code, pe.Reason)
	default:
		h.OnClose(c, false, StatusAbnormalClosure, err.Error())
	}
	c.shutdown()
}

// serving is the state of a connection served by Server.start or run.
type serving struct {
	c     *Conn
	s     *Server
	done  func() // Start's, or nil
	serve func() // s.idle as a func value, made once: go s.serve() allocates nothing
	told  bool   // OnClose was called (or is under way)
}

// open runs OnOpen, then serves the connection as idle does.
func (s *serving) open() {
	defer s.guard()
	s.s.Handler.OnOpen(s.c)
	s.c.awaitData()
	s.loop()
}

// loop serves the messages that are buffered. Then, the connection going
// idle or not, it hands over to a fresh goroutine that reads (and waits)
// and lets this one, whose stack the handshake or the handler may have
// grown, end: an idle connection then costs only the smallest goroutine
// stack. (A goroutine cannot safely wait on a socket it did not find empty
// itself: the poller forgets readiness when a new wait starts.)
func (s *serving) loop() {
	for {
		op, p, err := s.c.ReadMessage(context.Background())
		if err != nil {
			s.told = true
			closed(s.c, s.s.Handler, err)
			s.end()
			return
		}
		s.s.Handler.OnMessage(s.c, op, p)
		if !s.c.buffered() && !s.c.awaitHotData(hotWait) {
			go s.serve()
			return
		}
	}
}

// hotWait is how long a connection's goroutine waits for the next input
// itself before it hands the connection to a fresh goroutine: a busy
// connection keeps its grown stack instead of growing a new one for every
// message (stack growth was a fifth of the echo's CPU), and an idle one
// still ends up on the smallest stack once this has passed.
const hotWait = 100 * time.Millisecond

func (s *serving) idle() {
	defer s.guard()
	s.c.awaitData()
	s.loop()
}

func (s *serving) end() {
	s.s.untrack(s.c)
	if s.done != nil {
		s.done()
	}
}
