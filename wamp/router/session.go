package router

import (
	"context"
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
			if msg := badOptions(m); msg != "" { // pipe.go
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
	msg = boundedText(msg) // auth.go: it may quote what the client sent (a realm, an authid)
	s.log.Info("wamp/router: join refused", "reason", reason, "message", msg)
	s.end(&wamp.Abort{Details: wamp.Dict{"message": msg}, Reason: reason}, false)
	return false
}

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
