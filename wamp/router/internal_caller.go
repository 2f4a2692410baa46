package router

import (
	"context"
	"errors"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
)

// The router as a caller: callProcedure calls a procedure a client
// session registered (a ProcedureAuthenticator, auth_dynamic.go, or a
// ProcedureAuthorizer, authorize_dynamic.go) through the dealer, as a CALL from a client
// would go, so the dealer's rules hold for it too: the registration's
// invoke policy, the callee's queue limits and reroute, the call timeout
// (INTERRUPT to a callee that announced call_canceling), and ERROR
// wamp.error.canceled when the callee leaves.
//
// Each call has a caller session of its own that never joins the realm
// (the meta API does not list it) and has no transport: its outbox takes
// the one RESULT or ERROR the dealer answers with and hands it to the
// waiting goroutine. Its authid and authrole are "router" and "trusted"
// (Crossbar's role for the router's own calls), which a callee sees when
// it registered with disclose_caller; no client session joins with that
// role (welcome refuses it), so the callee can rely on it.

// internalAuthRole is the authrole of the router's own calls.
const internalAuthRole = "trusted"

// errInternalCall is an ERROR a called procedure (or the dealer) answered
// the router's call with.
type errInternalCall struct {
	uri  wamp.URI
	args wamp.List
}

func (e *errInternalCall) Error() string {
	if len(e.args) > 0 {
		if s, ok := e.args[0].(string); ok {
			return string(e.uri) + ": " + s
		}
	}
	return string(e.uri)
}

// internalOut is an internal caller's outbox: it keeps the first answer.
type internalOut struct {
	answer chan wamp.Message // buffer 1
}

func (o *internalOut) push(m wamp.Message, _ int, _ limit) pushResult {
	switch m.(type) {
	case *wamp.Result, *wamp.Error:
		if d, ok := m.(*wamp.Result); ok && d.Details["progress"] == true {
			return pushed // progressive results are not asked for
		}
		select {
		case o.answer <- m:
		default: // a second answer cannot come: the dealer answers a call once
		}
	}
	return pushed
}

func (o *internalOut) close(wamp.Message, bool) bool { return false }
func (o *internalOut) isClosed() bool                { return false }
func (o *internalOut) queuedBytes() int              { return 0 }

// callProcedure calls procedure in realm with args and kwargs and waits
// for its first result (positional args) or for ctx to end; the call
// timeout of the dealer is what remains of ctx's deadline. When ctx ends
// first the call is canceled (INTERRUPT killnowait to a callee that can
// take it). It never runs on a session's reader or the event loop.
func (r *Router) callProcedure(ctx context.Context, realmName, procedure wamp.URI, args wamp.List, kwargs wamp.Dict) (wamp.List, wamp.Dict, error) {
	rm := r.realms[realmName]
	if rm == nil {
		return nil, nil, &errInternalCall{uri: wamp.ErrNoSuchRealm, args: wamp.List{"no realm " + string(realmName)}}
	}
	out := &internalOut{answer: make(chan wamp.Message, 1)}
	s := &session{r: r, q: out, log: r.log, id: wamp.GlobalID(), realmName: realmName,
		authid: "router", authrole: internalAuthRole, authmethod: "trusted", authprovider: "router",
		calls: map[wamp.ID]*invocation{}, invs: map[wamp.ID]*invocation{},
		subs: map[wamp.ID]*subscription{}, regs: map[wamp.ID]*registration{}}
	s.state.Store(stateEstablished)
	const request wamp.ID = 1
	options := wamp.Dict{}
	if dl, ok := ctx.Deadline(); ok {
		ms := time.Until(dl).Milliseconds()
		if ms <= 0 {
			return nil, nil, context.DeadlineExceeded
		}
		options["timeout"] = ms
	}
	rm.lock()
	violation := rm.call(s, &wamp.Call{Request: request, Options: options, Procedure: procedure, Args: args, Kwargs: kwargs})
	rm.unlock()
	if violation != "" {
		return nil, nil, errors.New("wamp/router: internal call: " + violation)
	}
	select {
	case m := <-out.answer:
		if e, ok := m.(*wamp.Error); ok && e.Error == wamp.ErrTimeout && options["timeout"] != nil {
			// The dealer's timeout is ctx's deadline, whole milliseconds
			// short of it: report it as ctx's.
			<-ctx.Done()
			return nil, nil, ctx.Err()
		}
		return answerOf(m)
	case <-ctx.Done():
		rm.lock()
		if s.calls[request] != nil {
			rm.cancel(s, &wamp.Cancel{Request: request, Options: wamp.Dict{"mode": "killnowait"}})
		}
		rm.unlock()
		select {
		case m := <-out.answer:
			if res, ok := m.(*wamp.Result); ok {
				return res.Args, res.Kwargs, nil // answered just before ctx ended
			}
		default:
		}
		return nil, nil, ctx.Err()
	}
}

func answerOf(m wamp.Message) (wamp.List, wamp.Dict, error) {
	switch m := m.(type) {
	case *wamp.Result:
		return m.Args, m.Kwargs, nil
	case *wamp.Error:
		return nil, nil, &errInternalCall{uri: m.Error, args: m.Args}
	}
	return nil, nil, errors.New("wamp/router: internal call: unexpected answer " + m.Type().String())
}
