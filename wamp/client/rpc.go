package client

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
)

// Cancel modes for CallOptions.CancelMode (WAMP spec, "Call Canceling").
const (
	CancelSkip       = "skip"
	CancelKill       = "kill"
	CancelKillNoWait = "killnowait"
)

// CallOptions configure Call. The zero value is a plain call.
type CallOptions struct {
	// Timeout asks the dealer to cancel the call after this long
	// (Options.timeout, in milliseconds rounded up) and bounds the local
	// wait too.
	Timeout time.Duration
	// OnProgress, if set, asks for progressive results (receive_progress)
	// and receives each of them, in order, in the goroutine that called
	// Call, before Call returns (not after Call returned, nor after the
	// session ended). It may call the session.
	OnProgress func(*wamp.Result)
	// CancelMode is sent in CANCEL when ctx ends first: CancelSkip,
	// CancelKill (the default) or CancelKillNoWait; Call refuses others.
	CancelMode string
	// DiscloseMe asks the dealer to tell the callee who calls.
	DiscloseMe bool
	// Options are extra CALL options, merged last.
	Options wamp.Dict
}

var noCallOptions CallOptions

// Call calls procedure and waits for its final result. When ctx ends first,
// Call sends CANCEL (CallOptions.CancelMode) and returns ctx.Err() at once;
// the dealer's late answer is dropped. An answer read before ctx or the
// session ended is returned. A WAMP error comes back as *Error.
func (s *Session) Call(ctx context.Context, procedure wamp.URI, args wamp.List, kwargs wamp.Dict, opts *CallOptions) (*wamp.Result, error) {
	if opts == nil {
		opts = &noCallOptions
	}
	options, err := callOptions(procedure, opts)
	if err != nil {
		return nil, err
	}
	ctx, cancel := deadlineCtx(ctx, opts.Timeout)
	defer cancel()
	id := s.ids.Next()
	p := s.request(id, opts.OnProgress)
	if err := s.send(ctx, &wamp.Call{Request: id, Options: options, Procedure: procedure, Args: args, Kwargs: kwargs}); err != nil {
		s.forget(id)
		return nil, err
	}
	var progWake chan struct{} // the reader wakes it for OnProgress
	if p.progress != nil {
		progWake = p.progWake
	}
	for {
		select {
		case a := <-p.ch:
			return s.callAnswer(p, a, progWake != nil)
		case <-progWake:
			s.runProgress(p)
		case <-s.ending:
			if s.taken(id, p) { // answered before the session ended
				return s.callAnswer(p, <-p.ch, progWake != nil)
			}
			return nil, s.closedErr()
		case <-ctx.Done():
			if s.taken(id, p) { // answered before ctx ended: nothing to cancel
				return s.callAnswer(p, <-p.ch, progWake != nil)
			}
			s.sendCancel(id, opts.cancelMode())
			return nil, ctx.Err()
		}
	}
}

// callOptions checks opts and returns the CALL's options (nil for a plain
// call: written as {}, no allocation).
func callOptions(procedure wamp.URI, opts *CallOptions) (wamp.Dict, error) {
	switch opts.CancelMode {
	case "", CancelSkip, CancelKill, CancelKillNoWait:
	default:
		// A router takes another mode in CANCEL for a protocol violation
		// and aborts the session.
		return nil, fmt.Errorf("wamp/client: CallOptions.CancelMode %q: want %q, %q or %q", opts.CancelMode, CancelSkip, CancelKill, CancelKillNoWait)
	}
	if err := checkURI("procedure", procedure, ""); err != nil {
		return nil, err
	}
	var options wamp.Dict
	set := func(k string, v any) {
		if options == nil {
			options = wamp.Dict{}
		}
		options[k] = v
	}
	if opts.Timeout > 0 {
		set("timeout", timeoutMillis(opts.Timeout))
	}
	if opts.OnProgress != nil {
		set("receive_progress", true)
	}
	if opts.DiscloseMe {
		set("disclose_me", true)
	}
	for k, v := range opts.Options {
		set(k, v)
	}
	return options, nil
}

// timeoutMillis is a positive timeout in whole milliseconds, rounded up:
// Options.timeout 0 means no timeout at all to a dealer.
func timeoutMillis(d time.Duration) int64 {
	ms := d.Milliseconds()
	if d%time.Millisecond != 0 {
		ms++
	}
	return ms
}

// cancelMode is the mode CANCEL is sent with.
func (opts *CallOptions) cancelMode() string {
	if opts.CancelMode == "" {
		return CancelKill
	}
	return opts.CancelMode
}

// sendCancel sends CANCEL for request id: best effort, bounded, since the
// caller's ctx is over already.
func (s *Session) sendCancel(id wamp.ID, mode string) {
	sctx, scancel := context.WithTimeout(context.Background(), time.Second)
	s.send(sctx, &wamp.Cancel{Request: id, Options: wamp.Dict{"mode": mode}})
	scancel()
}

// callAnswer returns Call's final answer a, after the progressive results
// that came before it when progress is set.
func (s *Session) callAnswer(p *pending, a wamp.Message, progress bool) (*wamp.Result, error) {
	if progress {
		s.runProgress(p)
	}
	p.recycle()
	switch a := a.(type) {
	case *wamp.Result:
		return a, nil
	case *wamp.Error:
		return nil, errorOf(a)
	}
	return nil, &wamp.ProtocolError{Msg: "CALL answered with " + a.Type().String()}
}

// Invocation is what a Handler gets: the INVOCATION message plus helpers.
type Invocation struct {
	*wamp.Invocation
	s     *Session
	parts *invocationParts // a progressive call invocation's; nil for others
}

// Caller returns the caller's session ID when the dealer disclosed it.
func (inv *Invocation) Caller() (wamp.ID, bool) {
	return wamp.AsID(inv.Details["caller"])
}

// Procedure returns the procedure called, which differs from the
// registered URI for prefix and wildcard registrations.
func (inv *Invocation) Procedure() wamp.URI {
	s, _ := inv.Details["procedure"].(string)
	return wamp.URI(s)
}

// ReceiveProgress reports whether the caller accepts progressive results.
func (inv *Invocation) ReceiveProgress() bool {
	b, _ := inv.Details["receive_progress"].(bool)
	return b
}

// SendProgress sends one progressive result (YIELD with progress=true). It
// does nothing when the caller did not ask for progress. When the
// transport refuses the result (a value in it has no form in the
// session's serialization, or it is too large), the call is answered with
// ERROR wamp.error.invalid_argument (or wamp.error.payload_size_exceeded),
// the handler's ctx is canceled and what it returns is not sent;
// SendProgress returns the transport's error.
func (inv *Invocation) SendProgress(ctx context.Context, args wamp.List, kwargs wamp.Dict) error {
	if !inv.ReceiveProgress() {
		return nil
	}
	y := &wamp.Yield{Request: inv.Request, Options: wamp.Dict{"progress": true}, Args: args, Kwargs: kwargs}
	err := inv.s.send(ctx, y)
	if err != nil && ctx.Err() == nil && !errors.Is(err, ErrSessionClosed) {
		inv.s.progressRefused(inv, y, err) // reply_refused.go
	}
	return err
}

// Result is the one result type of the package: Call returns it (the
// dealer's RESULT: Args, Kwargs and Details) and a Handler returns it on
// success (only Args and Kwargs are sent in the YIELD; Request, Details and
// Payload are ignored there). It is wamp.Result, so either name works.
type Result = wamp.Result

// Handler runs one invocation. ctx is canceled when the dealer sends
// INTERRUPT (call canceled or timed out) or the session ends; it has a
// deadline when the dealer forwarded the call's timeout
// (INVOCATION.Details.timeout). An *Error return is sent as is; any other
// error as wamp.error.runtime_error with its text as the first argument,
// or as wamp.error.timeout once that deadline has passed. An answer the
// transport refuses (a value the session's serialization has no form
// for, such as a string that is not UTF-8 in JSON, or one larger than the
// router takes) is replaced by ERROR wamp.error.invalid_argument (or
// wamp.error.payload_size_exceeded), so the caller gets an answer. A handler
// registered with RegisterOptions.Progressive may be given a progressive
// call invocation: inv holds its first part, Invocation.NextPart returns
// the others.
type Handler func(ctx context.Context, inv *Invocation) (*Result, error)

// RegisterOptions configure Register.
type RegisterOptions struct {
	Match          string // "", "exact", "prefix" or "wildcard"; Register refuses others
	Invoke         string // shared registration policy: "single", "roundrobin", "random", "first", "last"; Register refuses others
	DiscloseCaller bool
	Concurrency    int // at most this many concurrent invocations (dealer-enforced); 0: unlimited
	// Progressive accepts progressive call invocations (a caller's
	// StreamCall): the handler gets the first part and takes the others
	// with Invocation.NextPart. Without it such a call is refused with
	// wamp.error.feature_not_supported.
	Progressive bool
	Options     wamp.Dict
}

// checkMatch refuses a match policy the WAMP spec does not define, which a
// router takes for a protocol violation and aborts the session for.
// checkURI refuses a URI that breaks even the WAMP spec's loose rules for
// match ("" is exact) before it is sent: a router answers it with an ERROR
// or a protocol violation that ends the session, or drops a PUBLISH
// without a word. (Autobahn's clients refuse such URIs too.)
func checkURI(what string, u wamp.URI, match string) error {
	if !wamp.ValidURI(u, false, match) {
		return fmt.Errorf("wamp/client: invalid %s URI %q", what, u)
	}
	return nil
}

// optionMatch is the match policy options ask for ("" for exact).
func optionMatch(options wamp.Dict) string {
	m, _ := options["match"].(string)
	return m
}

func checkMatch(match string) error {
	switch match {
	case "", wamp.MatchExact, wamp.MatchPrefix, wamp.MatchWildcard:
		return nil
	}
	return fmt.Errorf("wamp/client: match policy %q: want exact, prefix or wildcard", match)
}

// Registration is a registered procedure.
type Registration struct {
	ID          wamp.ID
	Procedure   wamp.URI
	handler     Handler
	progressive bool
}

// Register registers h for procedure.
func (s *Session) Register(ctx context.Context, procedure wamp.URI, h Handler, opts *RegisterOptions) (*Registration, error) {
	if opts == nil {
		opts = &RegisterOptions{}
	}
	if err := checkMatch(opts.Match); err != nil {
		return nil, err
	}
	switch opts.Invoke {
	case "", "single", "roundrobin", "random", "first", "last":
	default:
		return nil, fmt.Errorf("wamp/client: RegisterOptions.Invoke %q: want single, roundrobin, random, first or last", opts.Invoke)
	}
	options := wamp.Dict{}
	if opts.Match != "" && opts.Match != wamp.MatchExact {
		options["match"] = opts.Match
	}
	if opts.Invoke != "" {
		options["invoke"] = opts.Invoke
	}
	if opts.DiscloseCaller {
		options["disclose_caller"] = true
	}
	if opts.Concurrency > 0 {
		options["concurrency"] = int64(opts.Concurrency)
	}
	for k, v := range opts.Options {
		options[k] = v
	}
	if err := checkURI("procedure", procedure, optionMatch(options)); err != nil {
		return nil, err
	}
	id := s.ids.Next()
	r := &Registration{Procedure: procedure, handler: h, progressive: opts.Progressive}
	install := func(a wamp.Message) {
		if reg, ok := a.(*wamp.Registered); ok {
			r.ID = reg.Registration
			s.mu.Lock()
			s.regs[r.ID] = r
			s.mu.Unlock()
		}
	}
	// A REGISTERED that comes after ctx ended registered the procedure
	// for no handler: unregister it (its UNREGISTERED is dropped).
	late := func(a wamp.Message) {
		if reg, ok := a.(*wamp.Registered); ok {
			// Not on the reader, which must not wait for the write.
			uid := s.ids.Next()
			go s.send(s.ctx, &wamp.Unregister{Request: uid, Registration: reg.Registration})
		}
	}
	a, err := s.roundTrip(ctx, id, &wamp.Register{Request: id, Options: options, Procedure: procedure}, install, late)
	if err != nil {
		return nil, err
	}
	if _, ok := a.(*wamp.Registered); !ok {
		return nil, &wamp.ProtocolError{Msg: "REGISTER answered with " + a.Type().String()}
	}
	return r, nil
}

// Unregister removes r.
func (s *Session) Unregister(ctx context.Context, r *Registration) error {
	s.mu.Lock()
	delete(s.regs, r.ID)
	s.mu.Unlock()
	id := s.ids.Next()
	_, err := s.roundTrip(ctx, id, &wamp.Unregister{Request: id, Registration: r.ID}, nil, nil)
	return err
}

// maxIdleInvokers is how many goroutines a session keeps waiting for the
// next INVOCATION once their handler has returned; more concurrent
// invocations than that start goroutines that end with their handler.
const maxIdleInvokers = 32

// invoke hands an INVOCATION to a goroutine that runs its handler: one
// that waits for work (an earlier invocation's), else a new one; or, when
// invLimit handlers run, queues it, or refuses it when as many wait.
func (s *Session) invoke(m *wamp.Invocation) {
	s.mu.Lock()
	if s.err != nil { // ended: the handler's ctx would never be canceled
		s.mu.Unlock()
		return
	}
	if inv := s.invocations[m.Request]; inv != nil {
		s.addPart(inv, m) // progressive_invocation.go; unlocks s.mu
		return
	}
	progress, _ := m.Details["progress"].(bool)
	if s.streamEnded(m.Request, progress) {
		s.mu.Unlock()
		return // more of a stream that was answered: discarded
	}
	r := s.regs[m.Registration]
	if r == nil {
		if progress {
			s.endStream(m.Request)
		}
		s.mu.Unlock()
		s.send(s.ctx, &wamp.Error{RequestType: wamp.TypeInvocation, Request: m.Request, Details: wamp.Dict{}, Error: wamp.ErrNoSuchRegistration})
		return
	}
	if progress && !r.progressive {
		s.endStream(m.Request)
		s.mu.Unlock()
		s.send(s.ctx, &wamp.Error{RequestType: wamp.TypeInvocation, Request: m.Request, Details: wamp.Dict{}, Error: wamp.ErrFeatureNotSupported,
			Args: wamp.List{"procedure " + string(r.Procedure) + " does not take progressive call invocations"}})
		return
	}
	busy := s.invLimit > 0 && s.invRunning >= s.invLimit
	if busy && len(s.invQueue) >= s.invLimit {
		if progress {
			s.endStream(m.Request)
		}
		s.mu.Unlock()
		s.rejected.Add(1)
		s.send(s.ctx, &wamp.Error{RequestType: wamp.TypeInvocation, Request: m.Request, Details: wamp.Dict{}, Error: wamp.ErrUnavailable,
			Args: wamp.List{"callee busy: too many concurrent invocations"}})
		return
	}
	ctx, cancel := invocationContext(m.Details) // invocation_timeout.go
	inv := &runningInvocation{Invocation: Invocation{Invocation: m, s: s}, ctx: ctx, cancel: cancel, handler: r.handler}
	if progress {
		inv.parts = &invocationParts{wake: make(chan struct{}, 1), ctx: ctx}
	}
	s.invocations[m.Request] = inv
	if busy {
		inv.queued = true
		s.invQueue = append(s.invQueue, inv)
		s.mu.Unlock()
		return
	}
	s.invRunning++
	s.mu.Unlock()
	select {
	case s.work <- inv: // an idle invoker took it
	default:
		s.live.Add(2) // the reader, live, calls invoke: live > 0
		go s.invoker(inv)
	}
}

// invoker runs inv and then the queued invocations, then waits for more
// while fewer than maxIdleInvokers others wait, until the session ends.
func (s *Session) invoker(inv *runningInvocation) {
	defer s.exit()
	for {
		s.runInvocation(inv)
		s.mu.Lock()
		if len(s.invQueue) > 0 && s.err == nil {
			inv = s.invQueue[0]
			s.invQueue[0] = nil
			s.invQueue = s.invQueue[1:]
			inv.queued = false
			s.mu.Unlock()
			continue
		}
		s.invRunning--
		s.mu.Unlock()
		if s.idleInvokers.Add(1) > maxIdleInvokers {
			s.idleInvokers.Add(-1)
			return
		}
		select {
		case inv = <-s.work:
		case <-s.done:
			inv = nil
		}
		s.idleInvokers.Add(-1)
		if inv == nil {
			return
		}
	}
}

// runInvocation runs the handler of one invocation and sends its YIELD or
// ERROR. The reply waits, if the transport's write queue is full, until
// there is room or the session ends (the transport's write timeout bounds
// each write).
func (s *Session) runInvocation(inv *runningInvocation) {
	ctx := inv.ctx
	defer inv.cancel()
	m := inv.Invocation.Invocation
	res, err := s.runHandler(ctx, inv.handler, &inv.Invocation)
	s.mu.Lock()
	delete(s.invocations, m.Request)
	interrupted := inv.interrupted
	if inv.parts != nil && !inv.parts.last {
		s.endStream(m.Request)
	}
	answered := inv.answered
	s.mu.Unlock()
	var reply wamp.Message
	switch {
	case answered:
		return // the session answered already (too many parts waited)
	case interrupted == CancelKillNoWait:
		return // the dealer has forgotten the call
	case interrupted != "" && (err != nil || ctx.Err() != nil):
		reply = &wamp.Error{RequestType: wamp.TypeInvocation, Request: m.Request, Details: wamp.Dict{}, Error: wamp.ErrCanceled}
	case err != nil && timedOut(ctx, err):
		reply = timeoutError(m) // invocation_timeout.go
	case err != nil:
		var we *Error
		if !errors.As(err, &we) {
			// The text may hold bytes that are not UTF-8 (a handler's
			// input quoted as is), which JSON cannot carry.
			we = &Error{URI: "wamp.error.runtime_error", Args: wamp.List{strings.ToValidUTF8(err.Error(), "\uFFFD")}}
		}
		reply = &wamp.Error{RequestType: wamp.TypeInvocation, Request: m.Request, Details: wamp.Dict{}, Error: we.URI, Args: we.Args, Kwargs: we.Kwargs}
	default:
		if res == nil {
			res = &Result{}
		}
		reply = &wamp.Yield{Request: m.Request, Args: res.Args, Kwargs: res.Kwargs}
	}
	if err := s.send(s.ctx, reply); err != nil && !errors.Is(err, ErrSessionClosed) {
		s.replyRefused(m.Request, reply, err) // reply_refused.go
	}
}

// runHandler turns a handler panic into a runtime error, logged and counted.
func (s *Session) runHandler(ctx context.Context, h Handler, inv *Invocation) (res *Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			s.recovered("invocation handler", p)
			res, err = nil, &Error{URI: "wamp.error.runtime_error", Args: wamp.List{"handler panicked"}}
		}
	}()
	return h(ctx, inv)
}
