package router

import (
	"context"
	"errors"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
)

// goOut is the outbox of a session on a goroutine transport: the queue
// its writers drain, and the transport. Guarded by outQueue.mu: readEnded,
// the reading goroutine has returned (the last writer waits for it: the
// client's answer to the router's GOODBYE); wroteEnded, the last writer
// has closed the transport (the reader waits for it). Their channels are
// made only by a side that waits (readEnd, writeEnd): an idle session
// holds none.
type goOut struct {
	outQueue
	t                     wamp.Transport
	readEnded, wroteEnded bool
	readDone, wrote       chan struct{}
	// lost: calls whose progressive RESULT the transport refused (too
	// large, or not encodable) after the call had ended, and why
	// (payload_size.go); the writer's.
	lost map[wamp.ID]pushResult
}

// endRead: the reading goroutine has returned.
func (g *goOut) endRead() {
	g.mu.Lock()
	g.readEnded = true
	if g.readDone != nil {
		close(g.readDone)
	}
	g.mu.Unlock()
}

// endWrite: the last writer has closed the transport.
func (g *goOut) endWrite() {
	g.mu.Lock()
	g.wroteEnded = true
	if g.wrote != nil {
		close(g.wrote)
	}
	g.mu.Unlock()
}

// readEnd returns a channel closed once the reading goroutine has returned.
func (g *goOut) readEnd() <-chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.readDone == nil {
		g.readDone = make(chan struct{})
		if g.readEnded {
			close(g.readDone)
		}
	}
	return g.readDone
}

// writeEnd returns a channel closed once the last writer has closed the
// transport.
func (g *goOut) writeEnd() <-chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.wrote == nil {
		g.wrote = make(chan struct{})
		if g.wroteEnded {
			close(g.wrote)
		}
	}
	return g.wrote
}

// onGo returns the session's goOut, nil if it is not on a goroutine
// transport.
func (s *session) onGo() *goOut {
	g, _ := s.q.(*goOut)
	return g
}

// onLoop returns the session's loopOut, nil if it is not on the event
// loop.
func (s *session) onLoop() *loopOut {
	lo, _ := s.q.(*loopOut)
	return lo
}

// conn returns the session's goroutine transport or event-loop
// connection, nil for an in-process caller.
func (s *session) conn() any {
	switch q := s.q.(type) {
	case *goOut:
		return q.t
	case *loopOut:
		return q.c
	}
	return nil
}

// newSession returns a session on a goroutine transport (serve runs it).
func newSession(r *Router, t wamp.Transport) *session {
	s := &session{r: r, log: r.log, id: wamp.GlobalID()}
	g := &goOut{t: t}
	g.outQueue = outQueue{soft: r.soft, hard: r.hard, run: s.write}
	s.q = g
	if es, ok := t.(wamp.EncodedSender); ok {
		s.enc = es.Serializer()
	}
	s.start()
	return s
}

// start arms the hello timeout: a timer, not a goroutine, so that a
// session on the event loop costs none.
func (s *session) start() {
	r := s.r
	s.mu.Lock() // the timer's func may run before the assignment is done
	s.helloTimer = time.AfterFunc(r.cfg.HelloTimeout, func() {
		s.end(&wamp.Abort{Details: wamp.Dict{"message": "no WELCOME within " + r.cfg.HelloTimeout.String()}, Reason: wamp.ErrTimeout}, false)
	})
	s.mu.Unlock()
}

// serve runs the session on goroutines: the caller's reads and handles,
// the queue's writer writes (queue.go). It returns when both have ended.
func (s *session) serve(ctx context.Context) {
	s.readLoop(ctx, false)
	<-s.onGo().writeEnd()
	s.r.forget(s)
}

// attached serves the session as serve does, on a goroutine of its own
// that it may hand over (readLoop): the last one ends the router's count
// of the session (Router.Attach).
func (s *session) attached() {
	if s.readLoop(context.Background(), true) {
		return
	}
	<-s.onGo().writeEnd()
	s.r.forget(s)
	s.r.wg.Done()
}

// readLoop reads and handles the client's messages until the session
// ends. With handoff, once the session is established, it hands the
// reading over to a fresh goroutine (attached) and reports true: the stack
// that HELLO, authentication and joining grew is freed. Later, on a
// transport that can wait for input shallowly (inputAwaiter), a session
// whose next input does not come within hotWait waits without a goroutine
// where the transport can (inputNotifier), else on a fresh goroutine
// (parked), see park: an idle session waits on no stack or the smallest,
// a busy one keeps its grown stack.
func (s *session) readLoop(ctx context.Context, handoff bool) (handedOff bool) {
	g := s.onGo()
	aw, _ := g.t.(inputAwaiter)
	for {
		m, err := g.t.Recv(ctx)
		if err != nil {
			switch {
			case errors.Is(err, wamp.ErrProtocolViolation):
				s.violation(err.Error())
			case ctx.Err() != nil:
				s.shutdown(wamp.ErrSystemShutdown, "serving context ended")
			default:
				s.end(nil, true)
			}
			g.endRead()
			return false
		}
		joining := handoff && s.state.Load() != stateEstablished
		if !s.handle(m) {
			g.endRead()
			return false
		}
		if joining && s.state.Load() == stateEstablished {
			if aw != nil {
				s.park(aw)
			} else {
				go s.attached()
			}
			return true
		}
		if handoff && !joining && aw != nil && !aw.AwaitInput(hotWait) {
			s.park(aw)
			return true
		}
	}
}

// write is the queue's writer on goroutine transports (see outQueue): it
// writes what is queued; the last one writes the final GOODBYE or ABORT,
// closes the transport and ends the wait in writeEnd.
func (s *session) write() {
	g := s.onGo()
	g.mu.Lock()
	k := g.kit
	g.mu.Unlock()
	ctx := sendCtx{s} // the session's context, made when Send waits (sessionctx.go)
	for {
		batch, final, done := g.take(k.buf[:0])
		if len(batch) == 0 && !done {
			if !g.wait(k) {
				return
			}
			continue
		}
		for i, it := range batch {
			m := it.m
			if len(g.lost) > 0 {
				m = s.lostAnswer(m)
			}
			err := g.t.Send(ctx, m)
			if err != nil {
				err = s.sendRefused(ctx, m, err) // payload_size.go: too large, or not encodable
			}
			g.written(it.size)
			if err != nil {
				for _, rest := range batch[i+1:] {
					g.written(rest.size)
				}
				clear(batch)
				s.log.Debug("wamp/router: write failed", "session", s.id, "err", err)
				s.end(nil, true) // closes the queue: no writer follows this one
				s.closeTransport()
				return
			}
		}
		clear(batch)
		k.buf = batch[:0]
		if done {
			if final != nil && ctx.Err() == nil && sendFinal(final, func(m wamp.Message) error { return g.t.Send(ctx, m) }) == nil && awaitsReply(final) {
				// The client answers the router's GOODBYE with its own
				// (WAMP spec, "Session Closing"), which ends the reader;
				// closing the transport before could lose the answer,
				// or the GOODBYE itself. The close timeout bounds it.
				select {
				case <-g.readEnd():
				case <-ctx.Done():
				}
			}
			s.closeTransport()
			return
		}
	}
}

// closeTransport is the last writer's: it closes the transport, then
// ends the reader's wait (writeEnd).
func (s *session) closeTransport() {
	s.stopGrace()
	s.cancelContext()
	g := s.onGo()
	g.t.Close()
	g.mu.Lock() // the queue is closed: no push wakes the kit any more
	k := g.kit
	g.kit = nil
	g.mu.Unlock()
	g.putKit(k)
	g.endWrite()
}
