package router

import (
	"context"
	"errors"
	"sync"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/serialize/msgpack"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
	"github.com/autobahn-go/autobahn/ws"
)

// LoopHandler returns the ws.Handler of a WebSocket server on ws/wsloop's
// event loops that serves the router's sessions with no goroutine and no
// inbox per session:
//
//	opts := websocket.Options{WS: &ws.Options{MaxMessagePayload: 1 << 20}}
//	srv := &wsloop.Server{Handler: r.LoopHandler(opts), Options: opts.WS}
//
// Every message is decoded on the loop that owns its connection and
// handled there by a function call, as a goroutine transport's reader
// would; what the router sends to such a session is encoded into the
// connection's output queue by whichever goroutine routes it
// (websocket.Conn.SendNow), which never waits. The connection's output is
// the session's outbound queue: its pending octets (ws.Conn.Pending) count
// against Config.QueueSoftLimit and the hard limit as the goroutine
// queue's estimates do, and the loop's own bound (ws.OutputBounds, from
// eventloop.Config.WriteHighWatermark: past twice it) refuses a message
// as the limit in force would, with the same consequences (the next
// callee, the slow-subscriber policy, or the session closed with
// ReasonQueueOverflow). An INVOCATION, RESULT, call ERROR, EVENT or
// WELCOME over MaxMessagePayload is answered for as on goroutines (ERROR
// wamp.error.payload_size_exceeded to the caller, the EVENT dropped and
// counted, the WELCOME sent without the roles' features), and so is an
// INVOCATION, RESULT, call ERROR or EVENT the connection's serializer
// cannot encode (wamp.error.invalid_argument); any other message the
// connection refuses (over MaxMessagePayload, not encodable, not UTF-8
// for JSON) ends the session, as a failed write does on goroutines.
//
// What is already in the connection's output cannot be taken back: a
// session closed for not reading gets its GOODBYE after it, and the
// connection is dropped if it is still not read when Config.CloseTimeout
// passes. opts.Serializers defaults to JSON, MessagePack and CBOR; opts.WS
// should be the server's ws.Options.
func (r *Router) LoopHandler(opts websocket.Options) ws.Handler {
	if len(opts.Serializers) == 0 {
		opts.Serializers = []wamp.Serializer{json.Serializer{}, msgpack.Serializer{}, cbor.Serializer{}}
	}
	return websocket.LoopReceiver(opts, loopReceiver{r})
}

// loopReceiver runs sessions on the loop: its callbacks run on the loop
// goroutine of each connection and must not block; none does (see the
// package doc, "Concurrency").
type loopReceiver struct{ r *Router }

func (h loopReceiver) OnOpen(c *websocket.Conn) {
	s, err := h.r.newLoopSession(c)
	if err != nil {
		_ = c.Close()
		return
	}
	c.SetData(s)
}

func (h loopReceiver) OnMessage(c *websocket.Conn, m wamp.Message) {
	if s, ok := c.Data().(*session); ok {
		s.handle(m)
	}
}

func (h loopReceiver) OnClose(c *websocket.Conn, err error) {
	s, ok := c.Data().(*session)
	if !ok {
		return
	}
	c.SetData(nil)
	lo := s.onLoop()
	lo.mu.Lock()
	lo.ended = true
	lo.mu.Unlock()
	if errors.Is(err, wamp.ErrProtocolViolation) {
		// The transport closed the connection already (1003 or 1007):
		// no ABORT can follow.
		s.log.Info("wamp/router: protocol violation", "session", s.id, "realm", s.realmName, "message", err.Error())
	}
	s.end(nil, true)
	s.stopGrace()
	s.cancelContext() // ends what waits on the session's context (an authenticator)
	s.r.forget(s)
	s.r.wg.Done()
}

// newLoopSession registers a session on an event-loop connection; the
// router's WaitGroup counts it until OnClose.
func (r *Router) newLoopSession(c *websocket.Conn) (*session, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, ErrClosed
	}
	s := &session{r: r, log: r.log, id: wamp.GlobalID(), enc: c.Serializer()}
	s.q = &loopOut{s: s, c: c, soft: r.soft, hard: r.hard}
	s.start()
	r.sessions[s] = struct{}{}
	r.wg.Add(1)
	return s, nil
}

// loopOut is the outbox of a session on the event loop: the connection's
// output queue, written with SendNow from any goroutine. mu orders the
// pushes with the close, so that nothing follows the final GOODBYE or
// ABORT; it is held across SendNow, which encodes the message and appends
// its frames to the connection's queue under a short lock of ws's, and
// never waits.
//
// Lock order: realm.mu, then loopOut.mu, then ws's locks.
type loopOut struct {
	s *session
	c *websocket.Conn

	mu     sync.Mutex
	closed bool
	ended  bool // OnClose came: the connection is gone
	soft   int  // the limits: the router's, the realm's once joined
	hard   int
}

// setLimits sets the soft and hard limits (the realm's, on joining).
func (o *loopOut) setLimits(soft, hard int) {
	o.mu.Lock()
	o.soft, o.hard = soft, hard
	o.mu.Unlock()
}

func (o *loopOut) push(m wamp.Message, size int, l limit) pushResult {
	o.mu.Lock()
	defer o.mu.Unlock()
	bound := o.hard
	if l == limitSoft {
		bound = o.soft
	}
	if o.closed {
		return queueEnded
	}
	// The router's limit on the octets the connection holds for the
	// client (encoded, counted by ws), as the goroutine queue's on its
	// estimates; a message always goes to an empty one.
	if p := o.c.WS().Pending(); p > 0 && p+size > bound {
		return overLimit
	}
	err := o.c.SendNow(m)
	switch {
	case err == nil:
		return pushed
	case errors.Is(err, ws.ErrQueueFull):
		// The loop's own bound: the client reads too slowly.
		return overLimit
	case errors.Is(err, websocket.ErrClosed), errors.Is(err, ws.ErrClosed):
		// The connection ended first (the router's own closes set closed
		// before theirs): OnClose will find the outbox closed, so the end
		// is counted here, as a transport's that ended first.
		o.closed = true
		o.s.r.stats.sessionClosed(nil)
		return queueEnded
	}
	if why, ok := o.s.refusal(m, err); ok {
		// Over MaxMessagePayload, or not encodable in the connection's
		// serialization: the router answers for it (payload_size.go);
		// the session goes on.
		return why
	}
	// Over MaxMessagePayload or not encodable (another message), or not
	// valid for the serialization: the session ends, as a failed write
	// ends it on goroutines. OnClose removes it from the realm (the
	// caller may hold the realm's lock); the end is counted here (close,
	// from OnClose, will do nothing).
	o.closed = true
	o.s.state.Store(stateClosed)
	o.s.r.stats.sessionClosed(nil)
	o.s.log.Info("wamp/router: write failed", "session", o.s.id, "message", m.Type().String(), "err", err)
	_ = o.c.Close()
	return queueEnded
}

// close sends final (discard cannot take back what the connection holds
// already), then closes the connection, unless final is the router's
// GOODBYE: then the client's answer (replied) or the close timeout
// (expire) closes it.
func (o *loopOut) close(final wamp.Message, discard bool) bool {
	o.mu.Lock()
	if o.closed {
		o.mu.Unlock()
		return false
	}
	o.closed = true
	sent := false
	if final != nil && !o.ended {
		err := sendFinal(final, o.c.SendNow) // payload_size.go: cut to what the client takes
		sent = err == nil
		if errors.Is(err, ws.ErrQueueFull) && !errors.Is(err, ws.ErrMemoryBudget) {
			// The output is past the loop's bound (a session closed for
			// not reading, over it): final goes once the client reads.
			o.mu.Unlock()
			go o.closeWhenWritable(final)
			return true
		}
	}
	o.mu.Unlock()
	if !sent || !awaitsReply(final) {
		_ = o.c.Close()
	}
	return true
}

// closeWhenWritable is close's when the connection's output had no room
// for final: it sends final once the client has read what is pending, as
// a goroutine transport's writer would, then closes as close does. The
// close timeout bounds its wait (expire drops a connection still stuck
// then); the connection ending ends it too.
func (o *loopOut) closeWhenWritable(final wamp.Message) {
	ctx, cancel := context.WithTimeout(context.Background(), o.s.r.cfg.CloseTimeout)
	defer cancel()
	sent := false
	if o.c.WS().WaitWritable(ctx) == nil {
		o.mu.Lock()
		if !o.ended {
			sent = sendFinal(final, o.c.SendNow) == nil
		}
		o.mu.Unlock()
	}
	if !sent || !awaitsReply(final) {
		_ = o.c.Close()
	}
}

func (o *loopOut) isClosed() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.closed
}

func (o *loopOut) queuedBytes() int { return o.c.WS().Pending() }

// replied: the client's GOODBYE (or ABORT) came after the session closed.
func (o *loopOut) replied() { _ = o.c.Close() }

// expire runs when the close timeout passes (on the timer's goroutine): a
// client that reads gets the closing handshake, one that does not read
// what is pending is dropped.
func (o *loopOut) expire() {
	o.mu.Lock()
	ended := o.ended
	o.mu.Unlock()
	if ended {
		return
	}
	stuck := o.c.WS().Pending() > 0
	_ = o.c.Close()
	if stuck {
		_ = o.c.WS().CloseNow()
	}
}

// abandon drops the connection (Router.Close past its context).
func (o *loopOut) abandon() {
	_ = o.c.Close()
	_ = o.c.WS().CloseNow()
}
