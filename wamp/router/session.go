package router

import (
	"context"
	"crypto/subtle"
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
// time by handle, and an outbound queue drained by its writer. handle is
// a plain function call; on goroutine transports serve calls it from the
// reading goroutine.
type session struct {
	r      *Router
	t      wamp.Transport
	q      *outQueue
	ctx    context.Context // bounds writes; canceled when the close timeout passes
	cancel context.CancelFunc
	log    *slog.Logger

	state      atomic.Int32
	helloTimer *time.Timer // guarded by mu
	graceMu    sync.Mutex
	grace      *time.Timer
	auth       *pendingAuth // stateAuth only; reader-owned

	mu sync.Mutex
	rs realmState // set when joining; guarded by mu

	// Set before joining, read-only afterwards.
	id         wamp.ID
	realmName  wamp.URI
	authid     string
	authrole   string
	authmethod string
	canCancel  bool // announced callee.features.call_canceling

	// Guarded by the realm's mu.
	subs     map[wamp.ID]*subscription
	regs     map[wamp.ID]*registration
	calls    map[wamp.ID]*invocation // as caller, by CALL.Request
	invs     map[wamp.ID]*invocation // as callee, by INVOCATION.Request
	removed  bool
	dropping bool // in a run of dropped events (logged once per run)

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

func newSession(r *Router, t wamp.Transport) *session {
	s := &session{r: r, t: t, q: newOutQueue(), log: r.log, id: wamp.GlobalID()}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.mu.Lock() // the timer's func may run before the assignment is done
	s.helloTimer = time.AfterFunc(r.cfg.HelloTimeout, func() {
		s.end(&wamp.Abort{Details: wamp.Dict{"message": "no WELCOME within " + r.cfg.HelloTimeout.String()}, Reason: wamp.ErrTimeout}, false)
	})
	s.mu.Unlock()
	return s
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
		s.graceMu.Lock()
		if s.grace != nil {
			s.grace.Stop()
		}
		s.graceMu.Unlock()
		s.cancel()
		s.t.Close()
	}()
	var buf []queued
	for {
		batch, final, done := s.q.take(s.ctx, buf[:0])
		for i, it := range batch {
			err := s.t.Send(s.ctx, it.m)
			s.q.written(it.size)
			if err != nil {
				for _, rest := range batch[i+1:] {
					s.q.written(rest.size)
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
			if final != nil && s.ctx.Err() == nil {
				s.t.Send(s.ctx, final)
			}
			return
		}
	}
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
	if s.state.Load() == stateEstablished {
		s.end(&wamp.Goodbye{Details: d, Reason: reason}, false)
		return
	}
	s.end(&wamp.Abort{Details: d, Reason: reason}, false)
}

// closeQueue ends the outbound queue with final (see outQueue.close) and
// starts the close timeout; it reports false when the session was closing
// already.
func (s *session) closeQueue(final wamp.Message, discard bool) bool {
	s.state.Store(stateClosed)
	ok, _ := s.q.close(final, discard)
	if ok {
		s.graceMu.Lock()
		s.grace = time.AfterFunc(s.r.cfg.CloseTimeout, s.cancel)
		s.graceMu.Unlock()
	}
	return ok
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

// pendingAuth is a challenge sent and not yet answered.
type pendingAuth struct {
	realm  *realm
	method string
	authid string
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
	for _, method := range methods {
		switch {
		case method == "ticket" && rm.cfg.Tickets != nil:
			s.auth = &pendingAuth{realm: rm, method: method, authid: authid}
			s.state.Store(stateAuth)
			s.q.push(&wamp.Challenge{AuthMethod: "ticket", Extra: wamp.Dict{}}, msgOverhead, s.r.hard)
			return true
		case method == "anonymous" && rm.cfg.AllowAnonymous:
			role := rm.cfg.AnonymousRole
			if role == "" {
				role = "anonymous"
			}
			if authid == "" {
				authid = fmt.Sprintf("anonymous-%d", wamp.GlobalID())
			}
			return s.welcome(rm, authid, role, "anonymous")
		}
	}
	if len(methods) == 1 && methods[0] == "anonymous" {
		return s.abort(wamp.ErrNotAuthorized, "anonymous access not allowed in realm "+string(rm.cfg.Name))
	}
	return s.abort(wamp.ErrNoAuthMethod, "no acceptable authmethod")
}

func (s *session) onAuthenticate(m *wamp.Authenticate) bool {
	a := s.auth
	s.auth = nil
	p, ok := a.realm.cfg.Tickets[a.authid]
	if !ok || !equalSecret(p.Ticket, m.Signature) {
		return s.abort(wamp.ErrAuthenticationFailed, "ticket authentication failed")
	}
	role := p.Role
	if role == "" {
		role = "user"
	}
	return s.welcome(a.realm, a.authid, role, "ticket")
}

// welcome joins the realm; the hello timeout must not have passed.
func (s *session) welcome(rm *realm, authid, authrole, method string) bool {
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

// equalSecret compares in time independent of where the texts differ.
func equalSecret(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
