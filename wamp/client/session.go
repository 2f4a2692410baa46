package client

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
)

// JoinOptions configure Join.
type JoinOptions struct {
	// AuthID and AuthRole are announced in HELLO when set.
	AuthID   string
	AuthRole string
	// Authenticators offered, in order of preference; none means anonymous.
	Authenticators []Authenticator
	// AuthExtra is merged into HELLO.Details.authextra.
	AuthExtra wamp.Dict
	// Details are merged into HELLO.Details (after the defaults: roles, …).
	Details wamp.Dict
	// EventQueue is how many events may wait for their handlers. The
	// session never stops reading to wait for a handler (a handler may
	// call the session, whose answers the reader must deliver); when more
	// events wait, the session fails with ErrEventQueueFull. Zero means
	// DefaultEventQueue; negative means no limit.
	EventQueue int
	// Logger receives session-level diagnostics; nil discards them.
	Logger *slog.Logger
}

// clientRoles is what HELLO announces.
func clientRoles() wamp.Dict {
	f := func(names ...string) wamp.Dict {
		d := wamp.Dict{}
		for _, n := range names {
			d[n] = true
		}
		return wamp.Dict{"features": d}
	}
	return wamp.Dict{
		"caller":     f("progressive_call_results", "call_canceling", "call_timeout", "caller_identification"),
		"callee":     f("progressive_call_results", "call_canceling", "call_timeout", "caller_identification", "pattern_based_registration", "shared_registration"),
		"publisher":  f("publisher_exclusion", "subscriber_blackwhite_listing", "publisher_identification"),
		"subscriber": f("pattern_based_subscription", "publisher_identification"),
	}
}

// Session is a joined WAMP session. All methods are safe for concurrent use.
//
// One goroutine reads the transport and routes every answer to the request
// waiting for it; Call, Publish, Subscribe … wait on a channel, not in a
// goroutine of their own. Event handlers run one at a time, in order, in a
// second goroutine; each invocation handler runs in its own goroutine so
// that it can be interrupted. Progress callbacks of Call run in the reading
// goroutine: they must return quickly and must not wait for the session.
// The reader never waits for event handlers: events queue up (at most
// JoinOptions.EventQueue of them, beyond which the session fails with
// ErrEventQueueFull), so an event handler may Call, Publish, … and wait
// for the answer.
type Session struct {
	t       wamp.Transport
	id      wamp.ID
	realm   wamp.URI
	details wamp.Dict
	log     *slog.Logger
	ids     wamp.IDGen

	mu          sync.Mutex
	pending     map[wamp.ID]*pending
	subs        map[wamp.ID][]*Subscription
	regs        map[wamp.ID]*Registration
	invocations map[wamp.ID]*runningInvocation
	sentGoodbye bool
	err         error

	// Events waiting for the event goroutine: a FIFO that the reader
	// appends to without ever blocking, bounded by evLimit.
	evMu    sync.Mutex
	evQueue []func()
	evHead  int
	evLimit int           // 0: no limit
	evWake  chan struct{} // buffered 1: the queue is not empty

	done chan struct{} // closed when the reader has stopped
	wg   sync.WaitGroup

	// Invocations for goroutines that wait for one (rpc.go's invoker);
	// unbuffered, so a send succeeds only when one waits.
	work         chan *runningInvocation
	idleInvokers atomic.Int32

	// ctx bounds the session's own sends that no caller's ctx bounds
	// (invocation replies): it ends with the session, and the transport's
	// write timeout bounds each write.
	ctx       context.Context
	cancelCtx context.CancelFunc
}

type pending struct {
	ch       chan wamp.Message // buffered 1: the final answer
	progress func(*wamp.Result)
	// install runs in the reading goroutine before the answer is handed
	// over, so that a handler is in place before the next message is read.
	install func(wamp.Message)
}

// runningInvocation is one invocation whose handler runs: the Invocation
// the handler gets and what INTERRUPT needs, in one allocation.
type runningInvocation struct {
	Invocation
	handler     Handler
	ctx         context.Context // the handler's
	cancel      context.CancelFunc
	interrupted string // mode, once interrupted
}

// pendingPool recycles the waiters of requests that got their answer:
// answer sends on ch once, after taking the waiter out of s.pending, so a
// waiter that has received its answer has no other user.
var pendingPool = sync.Pool{New: func() any { return &pending{ch: make(chan wamp.Message, 1)} }}

// Join sends HELLO over t, answers the router's challenges with the
// matching authenticator, and returns the session once WELCOME arrives. On
// error, t is closed. The session owns t from then on.
func Join(ctx context.Context, t wamp.Transport, realm wamp.URI, opts JoinOptions) (*Session, error) {
	s, err := join(ctx, t, realm, opts)
	if err != nil {
		t.Close()
		return nil, err
	}
	return s, nil
}

func join(ctx context.Context, t wamp.Transport, realm wamp.URI, opts JoinOptions) (*Session, error) {
	details := wamp.Dict{"roles": clientRoles()}
	if opts.AuthID != "" {
		details["authid"] = opts.AuthID
	}
	if opts.AuthRole != "" {
		details["authrole"] = opts.AuthRole
	}
	authextra := wamp.Dict{}
	for k, v := range opts.AuthExtra {
		authextra[k] = v
	}
	if len(opts.Authenticators) > 0 {
		methods := make([]any, 0, len(opts.Authenticators))
		for _, a := range opts.Authenticators {
			methods = append(methods, a.Method())
			extra, err := a.HelloExtra(t)
			if err != nil {
				return nil, err
			}
			for k, v := range extra {
				authextra[k] = v
			}
		}
		details["authmethods"] = methods
	}
	if len(authextra) > 0 {
		details["authextra"] = authextra
	}
	for k, v := range opts.Details {
		details[k] = v
	}
	if err := t.Send(ctx, &wamp.Hello{Realm: realm, Details: details}); err != nil {
		return nil, err
	}
	var used Authenticator
	for {
		m, err := t.Recv(ctx)
		if err != nil {
			return nil, err
		}
		switch m := m.(type) {
		case *wamp.Welcome:
			if v, ok := used.(WelcomeVerifier); ok {
				if err := v.VerifyWelcome(m.Details); err != nil {
					return nil, err
				}
			}
			return start(t, realm, m, opts), nil
		case *wamp.Abort:
			return nil, &AbortError{Reason: m.Reason, Details: m.Details}
		case *wamp.Challenge:
			used = nil
			for _, a := range opts.Authenticators {
				if a.Method() == m.AuthMethod {
					used = a
					break
				}
			}
			if used == nil {
				t.Send(ctx, &wamp.Abort{Details: wamp.Dict{}, Reason: wamp.ErrNoAuthMethod})
				return nil, ErrNoAuthenticator
			}
			sig, extra, err := used.Authenticate(ctx, m)
			if err != nil {
				t.Send(ctx, &wamp.Abort{Details: wamp.Dict{"message": err.Error()}, Reason: wamp.ErrAuthenticationFailed})
				return nil, err
			}
			if err := t.Send(ctx, &wamp.Authenticate{Signature: sig, Extra: extra}); err != nil {
				return nil, err
			}
		default:
			t.Send(ctx, &wamp.Abort{Details: wamp.Dict{"message": "unexpected " + m.Type().String()}, Reason: wamp.ErrProtocolViolationURI})
			return nil, &wamp.ProtocolError{Msg: "unexpected " + m.Type().String() + " during join"}
		}
	}
}

func start(t wamp.Transport, realm wamp.URI, w *wamp.Welcome, opts JoinOptions) *Session {
	q := opts.EventQueue
	switch {
	case q == 0:
		q = DefaultEventQueue
	case q < 0:
		q = 0
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Session{
		t: t, id: w.Session, realm: realm, details: w.Details, log: log,
		pending:     map[wamp.ID]*pending{},
		subs:        map[wamp.ID][]*Subscription{},
		regs:        map[wamp.ID]*Registration{},
		invocations: map[wamp.ID]*runningInvocation{},
		evLimit:     q,
		evWake:      make(chan struct{}, 1),
		done:        make(chan struct{}),
		work:        make(chan *runningInvocation),
	}
	s.ctx, s.cancelCtx = context.WithCancel(context.Background())
	s.wg.Add(2)
	go s.readLoop()
	go s.eventLoop()
	return s
}

// ID returns the session ID the router assigned.
func (s *Session) ID() wamp.ID { return s.id }

// Realm returns the realm joined.
func (s *Session) Realm() wamp.URI { return s.realm }

// Details returns WELCOME.Details (authid, authrole, roles, …).
func (s *Session) Details() wamp.Dict { return s.details }

// Done is closed when the session has ended.
func (s *Session) Done() <-chan struct{} { return s.done }

// Err returns why the session ended (nil while it runs, ErrSessionClosed
// after Leave or Close, a *GoodbyeError when the router ended it).
func (s *Session) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

func (s *Session) readLoop() {
	defer s.wg.Done()
	for {
		m, err := s.t.Recv(context.Background())
		if err != nil {
			s.shutdown(err)
			return
		}
		if stop := s.dispatch(m); stop {
			return
		}
	}
}

// DefaultEventQueue is the EventQueue limit when JoinOptions leave it zero.
const DefaultEventQueue = 4096

func (s *Session) eventLoop() {
	defer s.wg.Done()
	for {
		f := s.nextEvent()
		if f == nil {
			select {
			case <-s.evWake:
				continue
			case <-s.done:
				return
			}
		}
		select {
		case <-s.done:
			return
		default:
		}
		f()
	}
}

// queueEvent appends f to the event queue without blocking; it reports
// false when the queue is full.
func (s *Session) queueEvent(f func()) bool {
	s.evMu.Lock()
	if s.evLimit > 0 && len(s.evQueue)-s.evHead >= s.evLimit {
		s.evMu.Unlock()
		return false
	}
	if s.evHead > 0 && s.evHead >= len(s.evQueue)/2 {
		// Slide the waiting events to the front (amortized O(1)), so a
		// queue that never quite drains does not grow without end.
		n := copy(s.evQueue, s.evQueue[s.evHead:])
		clear(s.evQueue[n:])
		s.evQueue, s.evHead = s.evQueue[:n], 0
	}
	s.evQueue = append(s.evQueue, f)
	s.evMu.Unlock()
	select {
	case s.evWake <- struct{}{}:
	default:
	}
	return true
}

// nextEvent takes the first waiting event, or returns nil.
func (s *Session) nextEvent() func() {
	s.evMu.Lock()
	defer s.evMu.Unlock()
	if s.evHead == len(s.evQueue) {
		if cap(s.evQueue) > 1024 {
			s.evQueue = nil // let a burst's backing array go
		}
		s.evQueue, s.evHead = s.evQueue[:0], 0
		return nil
	}
	f := s.evQueue[s.evHead]
	s.evQueue[s.evHead] = nil
	s.evHead++
	return f
}

// shutdown ends the session once: records the reason, closes the
// transport, fails every waiter and cancels running invocations.
func (s *Session) shutdown(reason error) {
	s.mu.Lock()
	if s.err != nil {
		s.mu.Unlock()
		return
	}
	if reason == nil || s.sentGoodbye {
		reason = ErrSessionClosed
	}
	s.err = reason
	for _, inv := range s.invocations {
		inv.cancel()
	}
	s.mu.Unlock()
	s.t.Close()
	close(s.done)
	s.cancelCtx()
}

func (s *Session) send(ctx context.Context, m wamp.Message) error {
	select {
	case <-s.done:
		return s.closedErr()
	default:
	}
	if err := s.t.Send(ctx, m); err != nil {
		select {
		case <-s.done:
			return s.closedErr()
		default:
		}
		return err
	}
	return nil
}

func (s *Session) closedErr() error {
	if err := s.Err(); err != nil && !errors.Is(err, ErrSessionClosed) {
		return errors.Join(ErrSessionClosed, err)
	}
	return ErrSessionClosed
}

// request registers a waiter for id; the caller must call s.forget(id)
// unless the answer arrived.
func (s *Session) request(id wamp.ID, progress func(*wamp.Result)) *pending {
	p := pendingPool.Get().(*pending)
	p.progress = progress
	s.mu.Lock()
	s.pending[id] = p
	s.mu.Unlock()
	return p
}

func (s *Session) forget(id wamp.ID) {
	s.mu.Lock()
	delete(s.pending, id)
	s.mu.Unlock()
}

// roundTrip sends m and waits for the answer to request id; install, if
// set, runs on the answer in the reading goroutine.
func (s *Session) roundTrip(ctx context.Context, id wamp.ID, m wamp.Message, install func(wamp.Message)) (wamp.Message, error) {
	p := s.request(id, nil)
	p.install = install
	if err := s.send(ctx, m); err != nil {
		s.forget(id)
		return nil, err
	}
	select {
	case a := <-p.ch:
		p.recycle()
		return a, errorOf(a)
	case <-s.done:
		s.forget(id)
		return nil, s.closedErr()
	case <-ctx.Done():
		s.forget(id)
		return nil, ctx.Err()
	}
}

func errorOf(m wamp.Message) error {
	if e, ok := m.(*wamp.Error); ok {
		return &Error{URI: e.Error, Args: e.Args, Kwargs: e.Kwargs, Details: e.Details}
	}
	return nil
}

// recycle returns a waiter whose answer has been received to the pool.
func (p *pending) recycle() {
	p.progress, p.install = nil, nil
	pendingPool.Put(p)
}

// answer hands a final answer to the waiter of request id.
func (s *Session) answer(id wamp.ID, m wamp.Message) {
	s.mu.Lock()
	p := s.pending[id]
	delete(s.pending, id)
	s.mu.Unlock()
	if p != nil {
		if p.install != nil {
			p.install(m)
		}
		p.ch <- m
	}
}

// dispatch handles one message from the router; it reports true when the
// session has ended.
func (s *Session) dispatch(m wamp.Message) bool {
	switch m := m.(type) {
	case *wamp.Result:
		if progress, _ := m.Details["progress"].(bool); progress {
			s.mu.Lock()
			p := s.pending[m.Request]
			s.mu.Unlock()
			if p != nil && p.progress != nil {
				p.progress(m)
			}
			return false
		}
		s.answer(m.Request, m)
	case *wamp.Error:
		s.answer(m.Request, m)
	case *wamp.Published:
		s.answer(m.Request, m)
	case *wamp.Subscribed:
		s.answer(m.Request, m)
	case *wamp.Registered:
		s.answer(m.Request, m)
	case *wamp.Unsubscribed:
		if m.Request == 0 { // revoked by the router
			if id, ok := wamp.AsID(m.Details["subscription"]); ok {
				s.mu.Lock()
				delete(s.subs, id)
				s.mu.Unlock()
			}
			return false
		}
		s.answer(m.Request, m)
	case *wamp.Unregistered:
		if m.Request == 0 {
			if id, ok := wamp.AsID(m.Details["registration"]); ok {
				s.mu.Lock()
				delete(s.regs, id)
				s.mu.Unlock()
			}
			return false
		}
		s.answer(m.Request, m)
	case *wamp.Event:
		s.mu.Lock()
		handlers := s.subs[m.Subscription]
		s.mu.Unlock()
		for _, sub := range handlers {
			h := sub.handler
			if !s.queueEvent(func() { h(m) }) {
				s.log.Warn("wamp/client: event queue full, closing the session", "limit", s.evLimit)
				s.shutdown(ErrEventQueueFull)
				return true
			}
		}
	case *wamp.Invocation:
		s.invoke(m)
	case *wamp.Interrupt:
		mode, _ := m.Options["mode"].(string)
		if mode == "" {
			mode = "kill"
		}
		s.mu.Lock()
		if inv := s.invocations[m.Request]; inv != nil && inv.interrupted == "" {
			inv.interrupted = mode
			inv.cancel()
		}
		s.mu.Unlock()
	case *wamp.Goodbye:
		s.mu.Lock()
		ours := s.sentGoodbye
		s.mu.Unlock()
		if !ours {
			s.t.Send(context.Background(), &wamp.Goodbye{Details: wamp.Dict{}, Reason: wamp.ErrGoodbyeAndOut})
			s.shutdown(&GoodbyeError{Reason: m.Reason, Details: m.Details})
			return true
		}
		s.shutdown(nil)
		return true
	case *wamp.Abort:
		s.shutdown(&GoodbyeError{Reason: m.Reason, Details: m.Details})
		return true
	default:
		s.log.Warn("wamp/client: unexpected message", "type", m.Type())
		s.t.Send(context.Background(), &wamp.Abort{Details: wamp.Dict{"message": "unexpected " + m.Type().String()}, Reason: wamp.ErrProtocolViolationURI})
		s.shutdown(&wamp.ProtocolError{Msg: "unexpected " + m.Type().String() + " from router"})
		return true
	}
	return false
}

// Leave sends GOODBYE, waits for the router's GOODBYE (or ctx), and closes
// the transport. reason defaults to wamp.close.close_realm.
func (s *Session) Leave(ctx context.Context, reason wamp.URI) error {
	if reason == "" {
		reason = wamp.ErrCloseRealm
	}
	s.mu.Lock()
	s.sentGoodbye = true
	s.mu.Unlock()
	err := s.send(ctx, &wamp.Goodbye{Details: wamp.Dict{}, Reason: reason})
	if err == nil {
		select {
		case <-s.done:
		case <-ctx.Done():
			err = ctx.Err()
		}
	}
	s.shutdown(nil)
	s.wg.Wait()
	if errors.Is(err, ErrSessionClosed) {
		return nil
	}
	return err
}

// Close ends the session without GOODBYE and waits for its goroutines to
// stop (running invocation handlers are canceled, not waited for).
func (s *Session) Close() error {
	s.shutdown(nil)
	s.wg.Wait()
	return nil
}

// deadlineCtx applies a timeout to ctx when d > 0.
func deadlineCtx(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d > 0 {
		return context.WithTimeout(ctx, d)
	}
	return ctx, func() {}
}
