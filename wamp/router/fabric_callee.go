package router

import (
	"errors"
	"fmt"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
)

// Calls across routers. A callee on another router is a RemoteCallee on
// this one: a session that never joins the realm (the meta API lists its
// registration and its session ID as the callee, not the session) and
// has no transport, registered through the dealer like a client's
// REGISTER, so that the dealer's rules hold for it: the invoke policy
// (a shared registration may mix local and remote callees), call
// timeouts, reroute on wamp.error.unavailable, and ERROR
// wamp.error.canceled to the callers of its calls in flight when it is
// removed. It announces call_canceling and progressive_call_invocations
// when the Fabric implements FabricCallControl, none otherwise (CANCEL is
// then skip for its calls, and it is offered no progressive call
// invocations: fabric_progress.go); never call_timeout.
//
// A call from another router runs on this router's own callees only
// (Serve): a call crosses at most one router boundary. Its caller is a
// session like the RemoteCallee's, with the identity of the calling
// session, whose progressive RESULTs (when it asked for them) and one
// final RESULT or ERROR go back to the fabric.
// Authorization is the caller's router's: Serve does not check roles.

// RemoteCallee is the callee of one registration on another router.
type RemoteCallee struct {
	Realm        wamp.URI
	Node         string // the fabric's name for the callee's router
	Registration FabricRegistration

	rm *realm
	s  *session // the proxy session
}

// remoteOut is a RemoteCallee's outbox: it keeps the answer to its
// REGISTER. Its INVOCATIONs go to the fabric through fabricInvoke once
// the dealer recorded them; the INTERRUPTs and further INVOCATIONs of
// its calls in flight to the FabricCallControl, when there is one
// (fabric_progress.go).
type remoteOut struct {
	c     *RemoteCallee
	ctl   FabricCallControl // nil: the Fabric does not implement it
	reply wamp.Message      // REGISTERED or ERROR; guarded by the realm's lock
	// calls are the calls in flight given to the fabric, by
	// INVOCATION.Request, while ctl is set; guarded by the realm's lock.
	calls map[wamp.ID]*FabricCall
}

func (o *remoteOut) push(m wamp.Message, _ int, _ limit) pushResult {
	switch m.(type) {
	case *wamp.Registered, *wamp.Error:
		o.reply = m
	case *wamp.Interrupt, *wamp.Invocation:
		if o.ctl != nil {
			return o.remoteControl(m)
		}
	}
	return pushed
}

func (o *remoteOut) close(wamp.Message, bool) bool { return false }
func (o *remoteOut) isClosed() bool                { return false }
func (o *remoteOut) queuedBytes() int              { return 0 }

// isRemote reports whether s is a RemoteCallee's session.
func isRemote(s *session) bool {
	_, ok := s.q.(*remoteOut)
	return ok
}

// fabricSession returns a session that never joins rm: a RemoteCallee's
// or a remote caller's.
func (rm *realm) fabricSession(q outbox, id wamp.ID, authid, authrole string) *session {
	s := &session{r: rm.r, q: q, log: rm.log, id: id, realmName: rm.cfg.Name,
		authid: authid, authrole: authrole, authmethod: "fabric", authprovider: "fabric"}
	s.state.Store(stateEstablished)
	return s
}

// AddCallee registers a callee of node (another router) for reg in realm.
// It fails as a REGISTER would: a match or invoke policy that is not one
// of the router's (empty means exact, single), an invalid URI, or a
// registration of the same procedure and match with another policy (or
// single) exists.
func (l *FabricLink) AddCallee(realm wamp.URI, node string, reg FabricRegistration) (*RemoteCallee, error) {
	rm := l.r.realms[realm]
	if rm == nil {
		return nil, ErrNoRealm
	}
	opts := wamp.Dict{}
	if reg.Match != "" {
		opts["match"] = reg.Match
	}
	if reg.Policy != "" {
		opts["invoke"] = reg.Policy
	}
	m := &wamp.Register{Request: 1, Options: opts, Procedure: reg.Procedure}
	if msg := badOptions(m); msg != "" { // pipe.go
		return nil, fmt.Errorf("wamp/router: remote callee of %s: %s", reg.Procedure, msg)
	}
	c := &RemoteCallee{Realm: realm, Node: node, Registration: reg, rm: rm}
	out := &remoteOut{c: c}
	out.ctl, _ = l.r.cfg.Fabric.(FabricCallControl)
	c.s = rm.fabricSession(out, wamp.GlobalID(), "fabric:"+node, internalAuthRole)
	if out.ctl != nil {
		c.s.canCancel = true
		c.s.dealer.progressiveCallee = true
	}
	rm.lock()
	rm.register(c.s, m)
	reply := out.reply
	rm.unlock()
	if e, ok := reply.(*wamp.Error); ok {
		why := ""
		if len(e.Args) > 0 {
			why, _ = e.Args[0].(string)
		}
		return nil, fmt.Errorf("wamp/router: remote callee of %s (%s): %s %s", reg.Procedure, reg.Match, e.Error, why)
	}
	return c, nil
}

// Remove takes the callee off its registration; the callers of its calls
// in flight get ERROR wamp.error.canceled. Removing twice does nothing.
func (c *RemoteCallee) Remove() {
	rm := c.rm
	rm.lock()
	defer rm.unlock()
	s := c.s
	if s.removed {
		return
	}
	s.removed = true
	for _, reg := range s.regs {
		rm.dropCallee(reg, s)
	}
	for _, inv := range s.invs {
		if inv.done {
			continue
		}
		rm.finish(inv)
		rm.reply(inv.caller, &wamp.Error{RequestType: wamp.TypeCall, Request: inv.callReq, Details: wamp.Dict{},
			Error: wamp.ErrCanceled, Args: wamp.List{"the callee's router left the fabric"}})
	}
	s.regs, s.invs = nil, nil
	clear(c.s.q.(*remoteOut).calls)
}

// Unregister takes the callee off its registration as its UNREGISTER
// would on its router (the callee's router no longer announces the
// registration): no call goes to it any more, and its calls in flight go
// on, ended by their FabricCall.Answer (or by Remove). Unregistering
// twice, or after Remove, does nothing.
func (c *RemoteCallee) Unregister() {
	rm := c.rm
	rm.lock()
	defer rm.unlock()
	s := c.s
	for id, reg := range s.regs {
		rm.dropCallee(reg, s)
		delete(s.regs, id)
	}
}

// fabricInvoke hands inv, just given to callee session s, to the fabric
// when s is a RemoteCallee's (dealer.go); false when the fabric refused
// it (the dealer then tries the next callee). A call the fabric cannot
// encode or carry is noted in inv.refused, as a local callee's refusal is.
func (rm *realm) fabricInvoke(s *session, inv *invocation) bool {
	out, ok := s.q.(*remoteOut)
	if !ok {
		return true
	}
	call := inv.call
	fc := &FabricCall{
		Realm: rm.cfg.Name, Registration: inv.reg.uri, Match: inv.reg.match, Procedure: call.Procedure,
		Caller: inv.caller.id, CallerAuthID: inv.caller.authid, CallerAuthRole: inv.caller.authrole,
		Options: call.Options, Args: call.Args, Kwargs: call.Kwargs, Payload: call.Payload,
		Callee: out.c, rm: rm, proxy: s, id: inv.id,
	}
	if inv.timeout > 0 {
		fc.Timeout = max(time.Until(inv.deadline), time.Millisecond)
	}
	if err := rm.r.cfg.Fabric.Invoke(fc); err != nil {
		switch {
		case errors.Is(err, ErrFabricUnencodable):
			rm.invocationRefused(s, inv, unencodable) // payload_size.go: the caller's answer when no other callee takes it
			return false
		case errors.Is(err, ErrFabricTooLarge):
			rm.invocationRefused(s, inv, tooLarge)
			return false
		}
		rm.log.Info("wamp/router: fabric refused a call", "procedure", call.Procedure, "node", out.c.Node, "err", err)
		return false
	}
	out.fabricTrack(fc) // fabric_progress.go
	return true
}

// serveOut is a remote caller's outbox: it hands the call's progressive
// RESULTs and its one final RESULT or ERROR to the fabric.
type serveOut struct {
	answer func(wamp.Message)
	done   bool // guarded by the realm's lock
}

func (o *serveOut) push(m wamp.Message, _ int, _ limit) pushResult {
	if o.done {
		return pushed
	}
	switch m := m.(type) {
	case *wamp.Result:
		if m.Details["progress"] == true {
			o.answer(m)
			return pushed
		}
	case *wamp.Error:
	default:
		return pushed
	}
	o.done = true
	o.answer(m)
	return pushed
}

func (o *serveOut) close(wamp.Message, bool) bool { return false }
func (o *serveOut) isClosed() bool                { return false }
func (o *serveOut) queuedBytes() int              { return 0 }

// Serve runs fc, a call from another router, on the local callees of its
// registration (fc.Registration, fc.Match) under the registration's
// invoke policy; fc.Callee is not used. answer receives, under the
// realm's lock and possibly before Serve returns, the call's progressive
// results (when fc.Options has receive_progress: each a *wamp.Result with
// Details.progress, in the order the callee yielded them), then its one
// final *wamp.Result or *wamp.Error; it must not block nor call the
// FabricLink or the ServedCall. With no local callee left the answer is
// ERROR wamp.error.unavailable, which the caller's router reroutes to
// another callee when there is one. A progressive call invocation
// (fc.Options has progress=true) goes to a callee that announced
// progressive_call_invocations and call_canceling, or is answered with
// ERROR wamp.error.feature_not_supported. The ServedCall returned takes
// what the caller does while the call runs (fabric_progress.go); it is
// nil when the call was answered without reaching a callee.
func (l *FabricLink) Serve(fc *FabricCall, answer func(wamp.Message)) *ServedCall {
	fail := func(uri wamp.URI, why string) {
		answer(&wamp.Error{RequestType: wamp.TypeCall, Request: 1, Details: wamp.Dict{}, Error: uri, Args: wamp.List{why}})
	}
	rm := l.r.realms[fc.Realm]
	if rm == nil {
		fail(wamp.ErrNoSuchRealm, "no realm "+string(fc.Realm))
		return nil
	}
	if !rm.validURI(fc.Procedure, wamp.MatchExact) {
		fail(wamp.ErrInvalidURI, "invalid procedure URI: "+echo(fc.Procedure))
		return nil
	}
	id := fc.Caller
	if id == 0 || id > wamp.MaxID {
		id = wamp.GlobalID()
	}
	s := rm.fabricSession(&serveOut{answer: answer}, id, fc.CallerAuthID, fc.CallerAuthRole)
	opts := wamp.Dict{}
	for k, v := range fc.Options {
		switch k {
		case "progress", "receive_progress", "timeout":
		default:
			opts[k] = v
		}
	}
	if fc.Timeout > 0 {
		opts["timeout"] = max(fc.Timeout.Milliseconds(), 1)
	}
	m := &wamp.Call{Request: 1, Options: opts, Procedure: fc.Procedure, Args: fc.Args, Kwargs: fc.Kwargs, Payload: fc.Payload}
	rm.lock()
	defer rm.unlock()
	reg, ok := rm.regs.get(fc.Registration, fc.Match)
	var local []callee
	if ok {
		for _, c := range reg.order() {
			if !isRemote(c.s) {
				local = append(local, c)
			}
		}
	}
	if len(local) == 0 {
		rm.errorReply(s, wamp.TypeCall, 1, wamp.ErrUnavailable, "no callee of "+echo(fc.Registration)+" on this router")
		return nil
	}
	progress, _ := fc.Options["progress"].(bool)
	if progress {
		if local = progressiveCallees(local); len(local) == 0 {
			rm.errorReply(s, wamp.TypeCall, 1, wamp.ErrFeatureNotSupported,
				"no callee of "+echo(reg.uri)+" on this router announced progressive_call_invocations and call_canceling")
			return nil
		}
	}
	inv := &invocation{caller: s, callReq: 1, reg: reg, pattern: reg.match != wamp.MatchExact, call: m, streaming: progress}
	inv.receiveProgress, _ = fc.Options["receive_progress"].(bool)
	if inv.timeout = callTimeout(opts); inv.timeout > 0 {
		inv.deadline = time.Now().Add(inv.timeout)
	}
	if !rm.dispatch(inv, local) {
		if uri, why := inv.refusedCall(); uri != "" { // payload_size.go: as the dealer's CALL
			rm.errorReply(s, wamp.TypeCall, 1, uri, why)
			return nil
		}
		rm.errorReply(s, wamp.TypeCall, 1, wamp.ErrNoAvailableCallee,
			"every callee of "+echo(reg.uri)+" is over its outbound queue limit or closing")
		return nil
	}
	s.addCall(1, inv)
	return &ServedCall{rm: rm, s: s}
}
