package client

import (
	"context"
	"errors"
	"sync"

	"github.com/autobahn-go/autobahn/wamp"
)

// Progressive call invocations, the caller's side (WAMP spec, "Progressive
// Call Invocations"): the session announces
// caller.features.progressive_call_invocations; StreamCall sends the first
// CALL with Options.progress=true, CallStream.Send the next ones with the
// same request ID, and CallStream.Finish the last one, without progress,
// then waits for the call's one answer.

// ErrCallAnswered is returned by CallStream.Send when the call has been
// answered before its last part (the callee may answer early, or the call
// failed): no part is sent any more, and Finish returns that answer.
var ErrCallAnswered = errors.New("wamp/client: the call was answered before its last part")

var (
	errStreamFinished    = errors.New("wamp/client: CallStream used after Finish")
	errNoProgressiveCall = errors.New("wamp/client: the router does not support progressive call invocations")
)

// CallStream is a call whose arguments go to the callee in parts, which
// StreamCall starts. Send sends the next part and Finish the last, then
// waits for the call's answer, which Finish returns. The call ends, and
// gets CANCEL (CallOptions.CancelMode), when StreamCall's ctx (or
// CallOptions.Timeout) ends before it was answered: Send and Finish then
// return ctx.Err(). Call Finish, or end that ctx, to release the call.
//
// Its methods are safe for concurrent use; the parts go in the order
// their Send calls run.
type CallStream struct {
	s      *Session
	id     wamp.ID
	proc   wamp.URI
	p      *pending
	mode   string
	ctx    context.Context // StreamCall's, with CallOptions.Timeout
	cancel context.CancelFunc
	stop   func() bool // stops the context.AfterFunc that abandons the call

	mu       sync.Mutex // held by Send and Finish: parts go in order
	finished bool

	once     sync.Once
	answered bool // set by abandon: the answer had come already
}

// StreamCall starts a progressive call invocation of procedure: it sends
// args and kwargs as the first part, and returns the CallStream that sends
// the others. opts work as for Call (OnProgress runs in the goroutine of
// CallStream.Send or Finish; the results that come meanwhile wait for it,
// at most JoinOptions.EventQueue of them, beyond which the session fails
// with ErrEventQueueFull). It fails at once when the router did not
// announce progressive_call_invocations.
func (s *Session) StreamCall(ctx context.Context, procedure wamp.URI, args wamp.List, kwargs wamp.Dict, opts *CallOptions) (*CallStream, error) {
	if opts == nil {
		opts = &noCallOptions
	}
	options, err := callOptions(procedure, opts)
	if err != nil {
		return nil, err
	}
	if !s.dealerFeature("progressive_call_invocations") {
		// Such a dealer would take each part for a call of its own.
		return nil, errNoProgressiveCall
	}
	if options == nil {
		options = wamp.Dict{}
	}
	options["progress"] = true
	ctx, cancel := deadlineCtx(ctx, opts.Timeout)
	id := s.ids.Next()
	p := s.request(id, opts.OnProgress)
	if err := s.send(ctx, &wamp.Call{Request: id, Options: options, Procedure: procedure, Args: args, Kwargs: kwargs}); err != nil {
		s.forget(id)
		cancel()
		return nil, err
	}
	cs := &CallStream{s: s, id: id, proc: procedure, p: p, mode: opts.cancelMode(), ctx: ctx, cancel: cancel}
	cs.stop = context.AfterFunc(ctx, cs.abandon)
	return cs, nil
}

// dealerFeature reports whether the router announced
// roles.dealer.features.name in WELCOME.
func (s *Session) dealerFeature(name string) bool {
	roles, _ := s.details["roles"].(wamp.Dict)
	dealer, _ := roles["dealer"].(wamp.Dict)
	features, _ := dealer["features"].(wamp.Dict)
	on, _ := features[name].(bool)
	return on
}

// Send sends the next part of the call's arguments. It returns
// ErrCallAnswered, sending nothing, once the call has been answered.
func (cs *CallStream) Send(args wamp.List, kwargs wamp.Dict) error {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.finished {
		return errStreamFinished
	}
	cs.runProgress()
	if err := cs.ctx.Err(); err != nil {
		return err
	}
	if cs.hasAnswer() {
		return ErrCallAnswered
	}
	return cs.s.send(cs.ctx, &wamp.Call{Request: cs.id, Options: wamp.Dict{"progress": true}, Procedure: cs.proc, Args: args, Kwargs: kwargs})
}

// Finish sends the last part of the call's arguments (unless the call has
// been answered already) and returns the call's answer, as Call does. A
// WAMP error comes back as *Error.
func (cs *CallStream) Finish(args wamp.List, kwargs wamp.Dict) (*Result, error) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.finished {
		return nil, errStreamFinished
	}
	cs.finished = true
	defer cs.cancel()
	s, p := cs.s, cs.p
	if cs.ctx.Err() == nil && !cs.hasAnswer() {
		err := s.send(cs.ctx, &wamp.Call{Request: cs.id, Options: wamp.Dict{}, Procedure: cs.proc, Args: args, Kwargs: kwargs})
		if err != nil && cs.ctx.Err() == nil && s.Err() == nil {
			// Not sent (the transport refused it): the call must not
			// wait for a last part that never comes.
			cs.stop()
			if cs.abandon(); cs.answered {
				return s.callAnswer(p, <-p.ch, p.progress != nil)
			}
			return nil, err
		}
	}
	var progWake chan struct{}
	if p.progress != nil {
		progWake = p.progWake
	}
	for {
		select {
		case a := <-p.ch:
			cs.stop()
			return s.callAnswer(p, a, progWake != nil)
		case <-progWake:
			s.runProgress(p)
		case <-s.ending:
			if cs.abandon(); cs.answered { // answered before the session ended
				return s.callAnswer(p, <-p.ch, progWake != nil)
			}
			return nil, s.closedErr()
		case <-cs.ctx.Done():
			if cs.abandon(); cs.answered { // answered before ctx ended
				return s.callAnswer(p, <-p.ch, progWake != nil)
			}
			return nil, cs.ctx.Err()
		}
	}
}

// hasAnswer reports whether the reader has taken the call's answer.
func (cs *CallStream) hasAnswer() bool {
	cs.s.mu.Lock()
	defer cs.s.mu.Unlock()
	return cs.s.pending[cs.id] != cs.p
}

// runProgress runs OnProgress on the progressive results that wait.
func (cs *CallStream) runProgress() {
	if cs.p.progress != nil {
		cs.s.runProgress(cs.p)
	}
}

// abandon ends the call, once, when ctx or the session ends before its
// answer was taken: it forgets the request and sends CANCEL. When the
// answer had been taken, it sets answered instead (the answer is then on
// its way to p.ch).
func (cs *CallStream) abandon() {
	cs.once.Do(func() {
		if cs.answered = cs.s.taken(cs.id, cs.p); !cs.answered {
			cs.s.sendCancel(cs.id, cs.mode)
		}
	})
}
