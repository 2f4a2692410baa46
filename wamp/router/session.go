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
// outbox is an outQueue drained by a writer goroutine; on the event loop
// the loop calls it (loopReceiver) and the outbox is the connection's own
// output (loopOut).
type session struct {
	r      *Router
	q      outbox
	t      wamp.Transport  // goroutine transports
	gq     *outQueue       // goroutine transports: q
	lo     *loopOut        // event loop: q
	enc    wamp.Serializer // a wamp.EncodedSender's (the loop's too), nil for others (Pipe): fanout.go
	ctx    context.Context // bounds writes; canceled when the close timeout passes
	cancel context.CancelFunc
	log    *slog.Logger
	// readDone is closed when the reading goroutine has returned: the
	// writer waits for it (the client's answer to the router's GOODBYE).
	readDone chan struct{}

	state      atomic.Int32
	helloTimer *time.Timer // guarded by mu
	graceMu    sync.Mutex
	grace      *time.Timer
	auth       *pendingAuth   // stateAuth only; reader-owned
	decisions  *decisionCache // an Authorizer's cached decisions; reader-owned (authorize.go)
	held       heldMessages   // behind a ProcedureAuthorizer's decision (authorize_dynamic.go)

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

	// Guarded by the realm's mu.
	subs  map[wamp.ID]*subscription
	regs  map[wamp.ID]*registration
	calls map[wamp.ID]*invocation // as caller, by CALL.Request
	invs  map[wamp.ID]*invocation // as callee, by INVOCATION.Request
	// endedStreams: request IDs of progressive call invocations that
	// ended with the caller's stream open (dealer_progressive.go).
	endedStreams []wamp.ID
	removed      bool
	dropping     bool // in a run of dropped events (logged once per run)

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

// newSession returns a session on a goroutine transport (serve runs it).
func newSession(r *Router, t wamp.Transport) *session {
	s := &session{r: r, t: t, gq: newOutQueue(r.soft, r.hard), log: r.log, id: wamp.GlobalID(), readDone: make(chan struct{})}
	s.q = s.gq
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
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.mu.Lock() // the timer's func may run before the assignment is done
	s.helloTimer = time.AfterFunc(r.cfg.HelloTimeout, func() {
		s.end(&wamp.Abort{Details: wamp.Dict{"message": "no WELCOME within " + r.cfg.HelloTimeout.String()}, Reason: wamp.ErrTimeout}, false)
	})
	s.mu.Unlock()
}

// serve runs the session on goroutines: the caller's reads and handles,
// a second one writes. It returns when both have ended.
func (s *session) serve(ctx context.Context) {
	defer s.r.forget(s)
	wrote := make(chan struct{})
	go func() {
		defer close(wrote)
		s.writeLoop()
	}()
	s.readLoop(ctx)
	<-wrote
}

func (s *session) readLoop(ctx context.Context) {
	defer close(s.readDone)
	for {
		m, err := s.t.Recv(ctx)
		if err != nil {
			switch {
			case errors.Is(err, wamp.ErrProtocolViolation):
				s.violation(err.Error())
			case ctx.Err() != nil:
				s.shutdown(wamp.ErrSystemShutdown, "serving context ended")
			default:
				s.end(nil, true)
			}
			return
		}
		if !s.handle(m) {
			return
		}
	}
}

// writeLoop is the queue's owner on goroutine transports: it writes what
// is queued, then the final GOODBYE or ABORT, then closes the transport.
func (s *session) writeLoop() {
	defer func() {
		s.stopGrace()
		s.cancel()
		s.t.Close()
	}()
	var buf []queued
	for {
		batch, final, done := s.gq.take(s.ctx, buf[:0])
		for i, it := range batch {
			err := s.t.Send(s.ctx, it.m)
			s.gq.written(it.size)
			if err != nil {
				for _, rest := range batch[i+1:] {
					s.gq.written(rest.size)
				}
				clear(batch)
				s.log.Debug("wamp/router: write failed", "session", s.id, "err", err)
				s.end(nil, true)
				return
			}
		}
		clear(batch)
		buf = batch
		if done {
			if final != nil && s.ctx.Err() == nil && s.t.Send(s.ctx, final) == nil && awaitsReply(final) {
				// The client answers the router's GOODBYE with its own
				// (WAMP spec, "Session Closing"), which ends the reader;
				// closing the transport before could lose the answer,
				// or the GOODBYE itself. The close timeout bounds it.
				select {
				case <-s.readDone:
				case <-s.ctx.Done():
				}
			}
			return
		}
	}
}

// awaitsReply reports whether final is a GOODBYE the router starts, which
// the client answers; the one that answers the client's does not.
func awaitsReply(final wamp.Message) bool {
	g, ok := final.(*wamp.Goodbye)
	return ok && g.Reason != wamp.ErrGoodbyeAndOut
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
	s.cancel()
	if s.lo != nil {
		s.lo.abandon()
		return
	}
	s.t.Close()
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
			if s.lo != nil {
				s.lo.replied()
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
	if !s.q.close(final, discard) {
		return false
	}
	expire := s.cancel
	if s.lo != nil {
		expire = s.lo.expire
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
	s.helloTimer.Stop()
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
	stopped := s.helloTimer.Stop()
	if stopped {
		s.rs = rm
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
