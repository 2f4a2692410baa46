package client

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"runtime/debug"
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
	// EventQueue is how many events may wait for their handlers, how
	// many progressive results for one call's OnProgress, and how many
	// parts of one progressive call invocation for its handler's
	// Invocation.NextPart (beyond which that call is answered with
	// wamp.error.unavailable and its handler's ctx canceled). The session
	// never stops reading to wait for a handler (a handler may call the
	// session, whose answers the reader must deliver); when more wait, the
	// session fails with ErrEventQueueFull. Zero means DefaultEventQueue;
	// negative means no limit.
	EventQueue int
	// MaxConcurrentInvocations bounds the invocation handlers that run at
	// once. As many more INVOCATIONs wait, in order, for one of them to
	// return; beyond that the session answers the router at once with
	// ERROR wamp.error.unavailable (the WAMP spec's "callee unavailable",
	// which a dealer may reroute to another callee of a shared
	// registration) and counts it in Stats.RejectedInvocations. Zero means
	// DefaultMaxConcurrentInvocations; negative means no limit.
	MaxConcurrentInvocations int
	// Logger receives session-level diagnostics, and the recovered panics
	// of handlers with their stacks; nil discards them.
	Logger *slog.Logger
}

// DefaultMaxConcurrentInvocations is the MaxConcurrentInvocations limit
// when JoinOptions leave it zero.
const DefaultMaxConcurrentInvocations = 256

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
		"caller":     f("progressive_call_results", "progressive_call_invocations", "call_canceling", "call_timeout", "caller_identification"),
		"callee":     f("progressive_call_results", "progressive_call_invocations", "call_canceling", "call_timeout", "caller_identification", "pattern_based_registration", "shared_registration"),
		"publisher":  f("publisher_exclusion", "subscriber_blackwhite_listing", "publisher_identification"),
		"subscriber": f("pattern_based_subscription", "publisher_identification", "subscription_revocation"),
	}
}

// Session is a joined WAMP session. All methods are safe for concurrent use.
//
// One goroutine reads the transport and routes every answer to the request
// waiting for it; Call, Publish, Subscribe … wait on a channel, not in a
// goroutine of their own. The reader runs no user code. Event handlers run
// one at a time, in order, in a second goroutine; each invocation handler
// runs in a goroutine of its own (at most
// JoinOptions.MaxConcurrentInvocations at once) so that it can be
// interrupted; Call's progress callbacks run in the goroutine that called
// Call, before Call returns. The reader never waits for a handler: events
// queue up (at most JoinOptions.EventQueue of them, beyond which the
// session fails with ErrEventQueueFull), so any handler may Call,
// Publish, … and wait for the answer, and may Close or Leave the session.
//
// A handler's panic is recovered, logged with its stack and counted
// (Stats.Panics); an invocation's caller then gets ERROR
// wamp.error.runtime_error. The session goes on.
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
	unsubs      map[wamp.ID]*unsubscribing // UNSUBSCRIBEs not answered yet (pubsub.go)
	regs        map[wamp.ID]*Registration
	invocations map[wamp.ID]*runningInvocation
	// endedStreams are the request IDs of progressive call invocations
	// answered before their last part came (progressive_invocation.go).
	endedStreams []wamp.ID
	sentGoodbye  bool
	err          error

	// retainedTo (under mu) is, per subscription ID, the Subscription
	// that asked for the retained events the router sends after its
	// SUBSCRIBED (pubsub.go): they are not for the others that share the
	// ID.
	retainedTo map[wamp.ID]*Subscription

	// Invocations whose handler runs or is about to (invRunning, at most
	// invLimit unless that is 0), and those waiting for one of them to
	// return (invQueue, at most invLimit).
	invRunning int
	invQueue   []*runningInvocation
	invLimit   int

	// Events waiting for the event goroutine: a FIFO that the reader
	// appends to without ever blocking, bounded by evLimit.
	evMu    sync.Mutex
	evQueue []func()
	evHead  int
	evLimit int           // 0: no limit
	evWake  chan struct{} // buffered 1: the queue is not empty

	// ending is closed as soon as the session starts to end (s.err is
	// set): requests waiting for answers fail then, not once the
	// transport's Close returns (a WebSocket's waits for the peer's close
	// frame, up to its CloseTimeout, which a dead peer never sends). done
	// is closed when the session has ended: its transport is closed.
	ending chan struct{}
	done   chan struct{}

	// live counts the session's goroutines and the progress callbacks that
	// run, two each; bit 0 is set once the session has ended. stopped is
	// closed when live reaches 1: ended, and nothing runs any more.
	live     atomic.Int64
	stopped  chan struct{}
	stopOnce sync.Once

	panics   atomic.Uint64
	rejected atomic.Uint64

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

// runningInvocation is one invocation whose handler runs: the Invocation
// the handler gets and what INTERRUPT needs, in one allocation.
type runningInvocation struct {
	Invocation
	handler     Handler
	ctx         context.Context // the handler's
	cancel      context.CancelFunc
	interrupted string // mode, once interrupted
	queued      bool   // in Session.invQueue
	answered    bool   // the session answered for the handler (progressive_invocation.go)
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
	auths := authenticatorsForJoin(opts.Authenticators)
	if len(auths) > 0 {
		methods := make([]any, 0, len(auths))
		setBy := map[string]Authenticator{}
		for _, a := range auths {
			methods = append(methods, a.Method())
			extra, err := a.HelloExtra(t)
			if err != nil {
				return nil, err
			}
			for k, v := range extra {
				// One authextra for all methods: two that need different
				// values (channel bindings, say) cannot both be offered.
				if b, ok := setBy[k]; ok && !reflect.DeepEqual(authextra[k], v) {
					return nil, fmt.Errorf("wamp/client: authenticators %s and %s need different HELLO authextra.%s (%v, %v)", b.Method(), a.Method(), k, authextra[k], v)
				}
				setBy[k] = a
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
			if err := checkWelcome(used, auths, m.Details); err != nil {
				return nil, err
			}
			return start(t, realm, m, opts), nil
		case *wamp.Abort:
			return nil, &AbortError{Reason: m.Reason, Details: m.Details}
		case *wamp.Challenge:
			used = nil
			for _, a := range auths {
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

// checkWelcome refuses a WELCOME that skips the router's part of mutual
// authentication (WelcomeVerifier): used is the authenticator that answered
// the last CHALLENGE (nil for none). A router must authenticate with the
// method it names in WELCOME, and when every method offered is mutual, it
// must prove itself before the client joins.
func checkWelcome(used Authenticator, offered []Authenticator, details wamp.Dict) error {
	method, _ := details["authmethod"].(string)
	if used != nil {
		if method != "" && method != used.Method() {
			return &wamp.ProtocolError{Msg: "WELCOME with authmethod " + method + " after a " + used.Method() + " CHALLENGE"}
		}
		if v, ok := used.(WelcomeVerifier); ok {
			return v.VerifyWelcome(details)
		}
		return nil
	}
	mutualOnly := len(offered) > 0
	for _, a := range offered {
		_, mutual := a.(WelcomeVerifier)
		if mutual && a.Method() == method {
			return errors.New("wamp/client: the router welcomed with authmethod " + method + " without a CHALLENGE, so it did not authenticate itself")
		}
		mutualOnly = mutualOnly && mutual
	}
	if mutualOnly {
		return errors.New("wamp/client: the router welcomed without a CHALLENGE, so it did not authenticate itself as the authmethods offered require")
	}
	return nil
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
	maxInv := opts.MaxConcurrentInvocations
	switch {
	case maxInv == 0:
		maxInv = DefaultMaxConcurrentInvocations
	case maxInv < 0:
		maxInv = 0
	}
	s := &Session{
		t: t, id: w.Session, realm: realm, details: w.Details, log: log,
		pending:     map[wamp.ID]*pending{},
		subs:        map[wamp.ID][]*Subscription{},
		regs:        map[wamp.ID]*Registration{},
		invocations: map[wamp.ID]*runningInvocation{},
		evLimit:     q,
		evWake:      make(chan struct{}, 1),
		ending:      make(chan struct{}),
		done:        make(chan struct{}),
		stopped:     make(chan struct{}),
		work:        make(chan *runningInvocation),
		invLimit:    maxInv,
	}
	s.ctx, s.cancelCtx = context.WithCancel(context.Background())
	s.live.Store(2 * 2) // the reader and the event goroutine
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

// Done is closed when the session has ended (Close, Leave, the router's
// GOODBYE or ABORT, a transport failure). Handlers may still be running
// then: Wait waits for them. A handler may wait for Done.
func (s *Session) Done() <-chan struct{} { return s.done }

// Wait waits until the session has ended and no handler of it runs any
// more: no event handler, invocation handler or progress callback starts
// or runs after Wait returns nil. Running invocation handlers have their
// ctx canceled when the session ends; an event handler or progress
// callback is waited for however long it takes, unless ctx ends first
// (then Wait returns ctx.Err()).
//
// Wait does not end the session (Close or Leave does), and must not be
// called from a handler of the session: it would wait for itself until
// ctx ends.
func (s *Session) Wait(ctx context.Context) error {
	select {
	case <-s.stopped:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Stats are counters of a session's life.
type Stats struct {
	// Panics is the number of handler panics recovered (event and
	// invocation handlers, progress callbacks, Component's OnJoin and
	// OnLeave for this session).
	Panics uint64
	// RejectedInvocations is the number of INVOCATIONs answered with
	// wamp.error.unavailable because MaxConcurrentInvocations handlers ran
	// and as many waited.
	RejectedInvocations uint64
}

// Stats returns the session's counters.
func (s *Session) Stats() Stats {
	return Stats{Panics: s.panics.Load(), RejectedInvocations: s.rejected.Load()}
}

// enter counts a progress callback about to run; it reports false, counting
// nothing, once the session has ended.
func (s *Session) enter() bool {
	if s.live.Add(2)&1 != 0 {
		s.exit()
		return false
	}
	return true
}

// exit uncounts a goroutine of the session or a progress callback.
func (s *Session) exit() {
	if s.live.Add(-2) == 1 {
		s.stopOnce.Do(func() { close(s.stopped) })
	}
}

// recovered counts and logs a handler panic p (called by the deferred
// function that recovered it, so that the stack shows where it happened).
func (s *Session) recovered(kind string, p any) {
	s.panics.Add(1)
	s.log.Error("wamp/client: "+kind+" panicked", "panic", p, "stack", string(debug.Stack()))
}

// protect runs f, recovering a panic as a handler panic of kind.
func (s *Session) protect(kind string, f func()) {
	defer func() {
		if p := recover(); p != nil {
			s.recovered(kind, p)
		}
	}()
	f()
}

// Err returns why the session ended (nil while it runs, ErrSessionClosed
// after Leave or Close, a *GoodbyeError when the router ended it).
func (s *Session) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// DefaultEventQueue is the EventQueue limit when JoinOptions leave it zero.
const DefaultEventQueue = 4096

// shutdown ends the session once: records the reason, fails every waiter,
// cancels running invocations and closes the transport. A later call
// returns once the first has closed the transport.
func (s *Session) shutdown(reason error) {
	s.mu.Lock()
	if s.err != nil {
		s.mu.Unlock()
		// The first call may still be closing the transport (a WebSocket
		// waits for the peer's close frame, up to its CloseTimeout).
		<-s.done
		return
	}
	if reason == nil || s.sentGoodbye {
		reason = ErrSessionClosed
	}
	s.err = reason
	for _, inv := range s.invocations {
		inv.cancel()
	}
	clear(s.invQueue) // never to run
	s.invQueue = nil
	s.mu.Unlock()
	close(s.ending)
	s.t.Close()
	close(s.done)
	s.cancelCtx()
	if s.live.Or(1) == 0 {
		s.stopOnce.Do(func() { close(s.stopped) })
	}
}

func (s *Session) send(ctx context.Context, m wamp.Message) error {
	select {
	case <-s.ending:
		return s.closedErr()
	default:
	}
	if err := s.t.Send(ctx, m); err != nil {
		if s.Err() != nil {
			// The session has ended, or is ending: shutdown closes the
			// transport (a WebSocket waits for the router's answer)
			// before Done.
			return s.closedErr()
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

// Leave sends GOODBYE, waits for the router's GOODBYE (or ctx), and ends
// the session, closing the transport. reason defaults to
// wamp.close.close_realm. Leave does not wait for handlers (Wait does), so
// a handler may call it.
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
	if errors.Is(err, ErrSessionClosed) {
		return nil
	}
	return err
}

// Close ends the session without GOODBYE: it fails the requests that wait
// for answers, cancels the ctx of running invocation handlers and closes
// the transport. It returns once the transport is closed (also when the
// session was ending already: Close then waits for the transport's Close
// under way, which the transport's close timeout bounds), without waiting
// for handlers (Wait does), so a handler may call it.
func (s *Session) Close() error {
	s.shutdown(nil)
	return nil
}

// deadlineCtx applies a timeout to ctx when d > 0.
func deadlineCtx(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d > 0 {
		return context.WithTimeout(ctx, d)
	}
	return ctx, func() {}
}
