package router

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
)

// Session states (WAMP spec, "Session Lifecycle").
const (
	stateHello       int32 = iota // waiting for HELLO
	stateAuth                     // CHALLENGE sent, waiting for AUTHENTICATE
	stateEstablished              // WELCOME sent
	stateClosed                   // GOODBYE or ABORT queued, or the transport ended
)

// session is one client session: a state machine fed one message at a
// time by handle, and an outbox. handle is a plain function call; on
// goroutine transports serve calls it from the reading goroutine and the
// outbox is a goOut, an outQueue drained by writer goroutines; on the
// event loop the loop calls it (loopReceiver) and the outbox is the
// connection's own output (loopOut). What only one kind of transport
// needs is in its outbox, not here: an idle session is small.
type session struct {
	r   *Router
	q   outbox          // a *goOut (onGo), a *loopOut (onLoop), or an in-process caller's
	enc wamp.Serializer // a wamp.EncodedSender's (the loop's too), nil for others (Pipe): fanout.go
	log *slog.Logger

	state atomic.Int32
	// canceled is guarded by graceMu (below): cancelContext came, a ctx
	// made later is canceled already. (Here, beside state, it takes no
	// room of its own: an idle session fits a smaller allocation.)
	canceled   bool
	helloTimer *time.Timer // guarded by mu; nil once stopped
	// graceMu guards grace and the session's context: ctx bounds writes
	// and what waits for the session (an authenticator), and is canceled
	// when the close timeout passes or the transport ends. It is made on
	// first use (context), which an idle session on the loop never needs.
	graceMu   sync.Mutex
	grace     *time.Timer
	ctx       context.Context
	cancel    context.CancelFunc
	auth      *pendingAuth   // stateAuth only; reader-owned
	decisions *decisionCache // an Authorizer's cached decisions; reader-owned (authorize.go)
	held      heldMessages   // behind a ProcedureAuthorizer's decision (authorize_dynamic.go)

	mu sync.Mutex
	rs realmState // set when joining; guarded by mu

	// Set before joining, read-only afterwards.
	id         wamp.ID
	realmName  wamp.URI
	authid     string
	authrole   string
	authmethod string
	canCancel  bool        // announced callee.features.call_canceling
	dealer     dealerFlags // the other dealer features it announced (dealer.go)
	// subRevocation: announced subscriber.features.subscription_revocation;
	// pptRoles: the roles that announced payload_passthru_mode.
	subRevocation bool
	pptRoles      map[string]bool
	// authprovider ("" means "static") and authextra go into WELCOME.
	authprovider string
	authextra    wamp.Dict
	// ep is the endpoint the session came through (nil: none), set
	// before the first read; epState whether ep counts it (endpoint.go).
	ep      *Endpoint
	epState atomic.Uint32

	// Guarded by the realm's mu (removed and dropping beside epState, in
	// the room its alignment leaves).
	removed  bool
	dropping bool // in a run of dropped events (logged once per run)
	subs     map[wamp.ID]*subscription
	regs     map[wamp.ID]*registration
	calls    map[wamp.ID]*invocation // as caller, by CALL.Request
	invs     map[wamp.ID]*invocation // as callee, by INVOCATION.Request
	// endedStreams: request IDs of progressive call invocations that
	// ended with the caller's stream open (dealer_progressive.go).
	endedStreams []wamp.ID

	dropped atomic.Uint64
}

// realmState is what a session needs of its realm: joining, leaving and
// the broker and dealer messages of an established session. The in-memory
// realm implements it; a federated realm could too.
type realmState interface {
	// join adds s and queues WELCOME; false when s is closing already.
	join(s *session) bool
	// leave removes s: its subscriptions, registrations and calls.
	leave(s *session)
	// handle processes one message of an established session; it returns
	// a non-empty text for a protocol violation.
	handle(s *session, m wamp.Message) string
}

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
			err := g.t.Send(ctx, it.m)
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
			if final != nil && ctx.Err() == nil && g.t.Send(ctx, final) == nil && awaitsReply(final) {
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

// awaitsReply reports whether final is a GOODBYE the router starts, which
// the client answers; the one that answers the client's does not.
func awaitsReply(final wamp.Message) bool {
	g, ok := final.(*wamp.Goodbye)
	return ok && g.Reason != wamp.ErrGoodbyeAndOut
}

// context returns the session's context (see graceMu).
func (s *session) context() context.Context {
	s.graceMu.Lock()
	defer s.graceMu.Unlock()
	if s.ctx == nil {
		s.ctx, s.cancel = context.WithCancel(context.Background())
		if s.canceled {
			s.cancel()
		}
	}
	return s.ctx
}

// cancelContext cancels the session's context, now or when it is made.
func (s *session) cancelContext() {
	s.graceMu.Lock()
	s.canceled = true
	cancel := s.cancel
	s.graceMu.Unlock()
	if cancel != nil {
		cancel()
	}
}

// stopGrace stops the close timeout: the transport is gone.
func (s *session) stopGrace() {
	s.graceMu.Lock()
	if s.grace != nil {
		s.grace.Stop()
	}
	s.graceMu.Unlock()
}

// abandon closes the transport at once, without waiting for what is
// queued (Router.Close past its context).
func (s *session) abandon() {
	s.cancelContext()
	if lo := s.onLoop(); lo != nil {
		lo.abandon()
		return
	}
	s.onGo().t.Close()
}

// handle processes one message from the client; it reports false when
// the session has ended (nothing more is to be read).
func (s *session) handle(m wamp.Message) bool {
	switch s.state.Load() {
	case stateHello:
		switch m := m.(type) {
		case *wamp.Hello:
			return s.onHello(m)
		case *wamp.Abort:
			s.end(nil, false)
			return false
		}
		return s.violation("expected HELLO, got " + m.Type().String())
	case stateAuth:
		switch m := m.(type) {
		case *wamp.Authenticate:
			return s.onAuthenticate(m)
		case *wamp.Abort:
			s.end(nil, false)
			return false
		}
		return s.violation("expected AUTHENTICATE, got " + m.Type().String())
	case stateEstablished:
		switch m := m.(type) {
		case *wamp.Goodbye:
			s.end(&wamp.Goodbye{Details: wamp.Dict{}, Reason: wamp.ErrGoodbyeAndOut}, false)
			return false
		case *wamp.Abort:
			s.end(nil, true)
			return false
		case *wamp.Publish, *wamp.Subscribe, *wamp.Unsubscribe, *wamp.Call, *wamp.Cancel,
			*wamp.Register, *wamp.Unregister, *wamp.Yield, *wamp.Error:
			if msg := badRequestID(m); msg != "" {
				return s.violation(msg)
			}
			s.mu.Lock()
			rs := s.rs
			s.mu.Unlock()
			if msg := rs.handle(s, m); msg != "" {
				return s.violation(msg)
			}
			return true
		}
		return s.violation("unexpected " + m.Type().String() + " from a client")
	case stateClosed:
		// After the router's GOODBYE (or ABORT) the client's messages
		// are dropped, until its GOODBYE (or ABORT) answers or the
		// transport ends.
		switch m.(type) {
		case *wamp.Goodbye, *wamp.Abort:
			if lo := s.onLoop(); lo != nil {
				lo.replied()
			}
			return false
		}
		return true
	}
	return false
}

// badRequestID checks the request ID of a message that did not come
// through FromList (an in-memory transport), which would have checked it.
func badRequestID(m wamp.Message) string {
	var id wamp.ID
	switch m := m.(type) {
	case *wamp.Publish:
		id = m.Request
	case *wamp.Subscribe:
		id = m.Request
	case *wamp.Unsubscribe:
		id = m.Request
	case *wamp.Call:
		id = m.Request
	case *wamp.Cancel:
		id = m.Request
	case *wamp.Register:
		id = m.Request
	case *wamp.Unregister:
		id = m.Request
	case *wamp.Yield:
		id = m.Request
	case *wamp.Error:
		if m.RequestType != wamp.TypeInvocation {
			return "ERROR for a " + m.RequestType.String() + " from a client"
		}
		id = m.Request
	}
	if id == 0 || id > wamp.MaxID {
		return fmt.Sprintf("%s: request ID %d out of range", m.Type(), id)
	}
	return ""
}

// violation closes the session with ABORT wamp.error.protocol_violation,
// after what is queued.
func (s *session) violation(msg string) bool {
	s.log.Info("wamp/router: protocol violation", "session", s.id, "realm", s.realmName, "message", msg)
	s.end(&wamp.Abort{Details: wamp.Dict{"message": msg}, Reason: wamp.ErrProtocolViolationURI}, false)
	return false
}

// shutdown closes the session from the router's side: GOODBYE when it is
// established, else ABORT.
func (s *session) shutdown(reason wamp.URI, msg string) {
	d := wamp.Dict{"message": msg}
	final := func() wamp.Message {
		if s.state.Load() == stateEstablished {
			return &wamp.Goodbye{Details: d, Reason: reason}
		}
		return &wamp.Abort{Details: d, Reason: reason}
	}
	s.mu.Lock()
	rm, _ := s.rs.(*realm)
	s.mu.Unlock()
	if rm != nil {
		// Decided under the realm's lock, under which join queues
		// WELCOME: a session being welcomed gets GOODBYE after it.
		rm.lock()
		s.closeQueue(final(), false)
		rm.unlock()
	}
	s.end(final(), false) // leaves the realm (the queue is closed already when rm is set)
}

// closeQueue ends the outbound queue with final (see outQueue.close) and
// starts the close timeout; it reports false when the session was closing
// already.
func (s *session) closeQueue(final wamp.Message, discard bool) bool {
	s.state.Store(stateClosed)
	s.leaveEndpoint() // endpoint.go: before the client can see the end
	if !s.q.close(final, discard) {
		return false
	}
	s.r.stats.sessionClosed(final)
	expire := s.cancelContext
	if lo := s.onLoop(); lo != nil {
		expire = lo.expire
	}
	s.graceMu.Lock()
	s.grace = time.AfterFunc(s.r.cfg.CloseTimeout, expire)
	s.graceMu.Unlock()
	return true
}

// end closes the session: the queue (final is written last) and its place
// in the realm. It may be called from any goroutine not holding the
// realm's lock, more than once.
func (s *session) end(final wamp.Message, discard bool) {
	// The queue closes before the realm is read: join sets the realm
	// before it checks the queue, so one of the two sees the other.
	s.closeQueue(final, discard)
	s.mu.Lock()
	if s.helloTimer != nil {
		s.helloTimer.Stop()
		s.helloTimer = nil // an idle session keeps no timer
	}
	rs := s.rs
	s.mu.Unlock()
	if rs != nil {
		rs.leave(s)
	}
}

func (s *session) abort(reason wamp.URI, msg string) bool {
	s.log.Info("wamp/router: join refused", "reason", reason, "message", msg)
	s.end(&wamp.Abort{Details: wamp.Dict{"message": msg}, Reason: reason}, false)
	return false
}

func (s *session) onHello(m *wamp.Hello) bool {
	rm := s.r.realms[m.Realm]
	if rm == nil {
		return s.abort(wamp.ErrNoSuchRealm, "no realm "+string(m.Realm))
	}
	if roles, _ := m.Details["roles"].(wamp.Dict); len(roles) == 0 {
		return s.abort(wamp.ErrProtocolViolationURI, "HELLO.Details.roles: no roles announced")
	}
	authid, _ := m.Details["authid"].(string)
	var methods []string
	switch l := m.Details["authmethods"].(type) {
	case []any:
		for _, e := range l {
			if s, ok := e.(string); ok {
				methods = append(methods, s)
			}
		}
	case []string:
		methods = l
	}
	if len(methods) == 0 {
		methods = []string{"anonymous"}
	}
	s.canCancel = feature(m.Details, "callee", "call_canceling")
	s.dealer = dealerFlagsOf(m.Details)
	s.subRevocation = feature(m.Details, "subscriber", "subscription_revocation")
	s.pptRoles = pptAnnounced(m.Details)
	return s.authHello(rm, authid, methods, m.Details) // auth.go
}

func (s *session) onAuthenticate(m *wamp.Authenticate) bool {
	return s.authAuthenticate(m) // auth.go
}

// welcome joins the realm; the hello timeout must not have passed.
func (s *session) welcome(rm *realm, authid, authrole, method string) bool {
	if !rm.roleKnown(authrole) { // authorize.go
		return s.abort(wamp.ErrNoSuchRole, "no role "+authrole+" in realm "+string(rm.cfg.Name))
	}
	s.realmName, s.authid, s.authrole, s.authmethod = rm.cfg.Name, authid, authrole, method
	s.mu.Lock()
	stopped := s.helloTimer != nil && s.helloTimer.Stop()
	if stopped {
		s.rs = rm
		s.helloTimer = nil // an idle session keeps no timer
	}
	s.mu.Unlock()
	if !stopped {
		return false // the timeout closed the session
	}
	if !rm.join(s) {
		return false
	}
	s.state.CompareAndSwap(stateHello, stateEstablished)
	s.state.CompareAndSwap(stateAuth, stateEstablished)
	s.log.Debug("wamp/router: session joined", "session", s.id, "realm", rm.cfg.Name, "authid", authid)
	return true
}

// feature reports HELLO.Details.roles.<role>.features.<name> == true.
func feature(details wamp.Dict, role, name string) bool {
	roles, _ := details["roles"].(wamp.Dict)
	r, _ := roles[role].(wamp.Dict)
	f, _ := r["features"].(wamp.Dict)
	b, _ := f[name].(bool)
	return b
}

// The session's maps of subscriptions, registrations, calls and
// invocations are made on first use: most sessions use only some of them,
// and an idle session then holds none (each empty map is a 48-byte
// allocation). Reading and deleting a nil map is fine. Guarded by the
// realm's mu.

func (s *session) addSub(sub *subscription) {
	if s.subs == nil {
		s.subs = map[wamp.ID]*subscription{}
	}
	s.subs[sub.id] = sub
}

func (s *session) addReg(reg *registration) {
	if s.regs == nil {
		s.regs = map[wamp.ID]*registration{}
	}
	s.regs[reg.id] = reg
}

func (s *session) addCall(request wamp.ID, inv *invocation) {
	if s.calls == nil {
		s.calls = map[wamp.ID]*invocation{}
	}
	s.calls[request] = inv
}

func (s *session) addInv(id wamp.ID, inv *invocation) {
	if s.invs == nil {
		s.invs = map[wamp.ID]*invocation{}
	}
	s.invs[id] = inv
}
