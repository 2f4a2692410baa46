package router

import (
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
)

// Shared registration policies (REGISTER.Options.invoke).
const (
	InvokeSingle     = "single"
	InvokeRoundRobin = "roundrobin"
	InvokeRandom     = "random"
	InvokeFirst      = "first"
	InvokeLast       = "last"
)

// registration is one (procedure, match) and its callees, in the order
// they registered.
type registration struct {
	id      wamp.ID
	uri     wamp.URI
	match   string
	policy  string
	callees []callee
	next    int // roundrobin
}

type callee struct {
	s              *session
	discloseCaller bool
	forwardTimeout bool // REGISTER forward_timeout from a callee that announced call_timeout
}

// invocation is a call on its way: from the CALL until the caller has its
// final answer (or the callee its INTERRUPT). It is guarded by realm.mu.
type invocation struct {
	id      wamp.ID // INVOCATION.Request (a new one when rerouted)
	caller  *session
	callReq wamp.ID
	callee  *session
	reg     *registration

	// call is the (initiating) CALL: its options (frozen for a progressive
	// call invocation) and, for a reroute, its payload. rest are the
	// callees not tried yet, in policy order (dealer_reroute.go).
	call    *wamp.Call
	rest    []callee
	details wamp.Dict // a stream's first INVOCATION.Details, for the next ones (read-only)

	// Call timeout (dealer_timeout.go).
	timeout  time.Duration // CALL.Options.timeout; 0: none
	deadline time.Time
	timer    *time.Timer // the dealer's timer; nil when none runs
	graced   bool        // timer runs forwardGrace past the deadline (the callee was given the timeout)

	pattern         bool // reg is a prefix or wildcard registration: INVOCATION.Details.procedure
	receiveProgress bool
	killed          bool // INTERRUPT mode kill sent; the callee's answer ends the call
	done            bool // the caller has its answer, or left: timers and late messages find nothing
	progressed      bool // parts went out (progressive results or invocations): no more reroute
	streaming       bool // progressive call invocations: the caller's stream is open (dealer_progressive.go)
	forwarded       bool // INVOCATION.Details.timeout was set: the callee times the call

	refused pushResult // tooLarge or unencodable: a callee's transport refused the INVOCATION (payload_size.go)
}

func (rm *realm) register(s *session, m *wamp.Register) {
	match := matchOf(m.Options)
	if !rm.validURI(m.Procedure, match) {
		rm.errorReply(s, wamp.TypeRegister, m.Request, wamp.ErrInvalidURI, "invalid procedure URI: "+echo(m.Procedure)) // meta.go
		return
	}
	if rm.isMetaProc(m.Procedure, match) { // meta.go
		rm.errorReply(s, wamp.TypeRegister, m.Request, wamp.ErrProcedureAlreadyExists, "procedure "+echo(m.Procedure)+" is the router's")
		return
	}
	if reservedURI(m.Procedure) {
		rm.errorReply(s, wamp.TypeRegister, m.Request, wamp.ErrInvalidURI, "procedure URI reserved for the router: "+echo(m.Procedure))
		return
	}
	policy, _ := m.Options["invoke"].(string)
	if policy == "" {
		policy = InvokeSingle
	}
	disclose, _ := m.Options["disclose_caller"].(bool)
	forward, _ := m.Options["forward_timeout"].(bool)
	if rm.registerLimitReached(s, m) { // limits_session.go
		return
	}
	reg, ok := rm.regs.get(m.Procedure, match)
	if ok {
		if policy == InvokeSingle || reg.policy != policy || s.regs[reg.id] != nil {
			rm.errorReply(s, wamp.TypeRegister, m.Request, wamp.ErrProcedureAlreadyExists,
				"procedure "+echo(m.Procedure)+" is registered with invoke policy "+reg.policy)
			return
		}
	} else {
		reg = &registration{id: rm.r.ids.Next(), uri: m.Procedure, match: match, policy: policy}
		rm.regs.set(m.Procedure, match, reg)
		rm.regByID[reg.id] = reg
	}
	reg.callees = append(reg.callees, callee{s: s, discloseCaller: disclose, forwardTimeout: forward && s.dealer.callTimeout})
	s.addReg(reg)
	rm.reply(s, &wamp.Registered{Request: m.Request, Registration: reg.id})
	rm.metaRegistered(s, reg, !ok) // meta_events.go
	if rm.r.cfg.Fabric != nil {
		rm.fabricRegsChanged(s) // fabric.go
	}
}

func (rm *realm) unregister(s *session, m *wamp.Unregister) {
	reg := s.regs[m.Registration]
	if reg == nil {
		rm.errorReply(s, wamp.TypeUnregister, m.Request, wamp.ErrNoSuchRegistration)
		return
	}
	rm.dropCallee(reg, s)
	delete(s.regs, reg.id)
	rm.reply(s, &wamp.Unregistered{Request: m.Request})
}

// dropCallee takes s off reg and deletes reg when no callee is left. The
// invocations s is running go on: their answers still reach the callers.
// Under roundrobin the turn stays with the callee it was at: the ones
// after s move down by one, and so does the turn when s was before it.
func (rm *realm) dropCallee(reg *registration, s *session) {
	if i := slices.IndexFunc(reg.callees, func(c callee) bool { return c.s == s }); i >= 0 {
		reg.callees = slices.Delete(reg.callees, i, i+1)
		if i < reg.next {
			reg.next--
		}
	}
	if len(reg.callees) == 0 {
		rm.regs.del(reg.uri, reg.match)
		delete(rm.regByID, reg.id)
	}
	rm.metaUnregistered(s, reg, len(reg.callees) == 0) // meta_events.go
	if rm.r.cfg.Fabric != nil {
		rm.fabricRegsChanged(s) // fabric.go
	}
}

// order returns the callees to try for one call, in the policy's order:
// the first that has room in its queue gets the invocation, the others
// are there for a reroute (dealer_reroute.go). Under random they come in
// random order; under roundrobin from the next one on, wrapping around.
// The result may be reg.callees itself: it must not be kept.
func (reg *registration) order() []callee {
	n := len(reg.callees)
	switch reg.policy {
	case InvokeSingle, InvokeFirst:
		return reg.callees
	case InvokeLast:
		out := slices.Clone(reg.callees)
		slices.Reverse(out)
		return out
	case InvokeRandom:
		if n == 1 {
			return reg.callees
		}
		out := slices.Clone(reg.callees)
		rand.Shuffle(n, func(i, j int) { out[i], out[j] = out[j], out[i] })
		return out
	}
	start := reg.next % n
	reg.next = (start + 1) % n
	if start == 0 {
		return reg.callees
	}
	return append(slices.Clone(reg.callees[start:]), reg.callees[:start]...)
}

// call handles CALL: a new call, or the next part of a progressive call
// invocation (dealer_progressive.go). It returns a non-empty text for a
// protocol violation.
func (rm *realm) call(s *session, m *wamp.Call) string {
	if msg := s.pptViolation("caller", wamp.TypeCall, m.Options); msg != "" { // passthru.go
		return msg
	}
	progress, _ := m.Options["progress"].(bool)
	if inv := s.calls[m.Request]; inv != nil {
		if inv.streaming {
			return rm.continueStream(inv, m, progress)
		}
		return "CALL: request ID in use by a pending call"
	}
	if s.streamEnded(m.Request, progress) {
		return "" // more of a progressive call that has ended: discarded (its answer went out)
	}
	if progress && !s.dealer.progressiveCaller {
		return "CALL with progress=true from a caller that did not announce progressive_call_invocations"
	}
	if !rm.validURI(m.Procedure, wamp.MatchExact) {
		rm.refuseCall(s, m, progress, wamp.ErrInvalidURI, "invalid procedure URI: "+echo(m.Procedure))
		return ""
	}
	if rm.callMeta(s, m) { // meta.go: a router-provided procedure, answered already
		if progress {
			s.endStream(m.Request) // its further parts are discarded
		}
		return ""
	}
	if reservedURI(m.Procedure) {
		// Not the router's: no client's pattern registration answers it.
		rm.refuseCall(s, m, progress, wamp.ErrNoSuchProcedure, "no router procedure "+echo(m.Procedure))
		return ""
	}
	if rm.callLimitReached(s, m, progress) { // limits_session.go
		return ""
	}
	reg, match, ok := rm.regs.best(m.Procedure)
	if !ok {
		rm.refuseCall(s, m, progress, wamp.ErrNoSuchProcedure, "no callee registered for "+echo(m.Procedure))
		return ""
	}
	inv := rm.newInvocation() // dealer_recycle.go
	inv.caller, inv.callReq, inv.reg, inv.pattern, inv.call, inv.streaming = s, m.Request, reg, match != wamp.MatchExact, m, progress
	inv.receiveProgress, _ = m.Options["receive_progress"].(bool)
	if inv.timeout = callTimeout(m.Options); inv.timeout > 0 {
		inv.deadline = time.Now().Add(inv.timeout)
	}
	candidates := reg.order()
	if progress {
		if candidates = progressiveCallees(candidates); len(candidates) == 0 {
			rm.refuseCall(s, m, progress, wamp.ErrFeatureNotSupported,
				"no callee of "+echo(reg.uri)+" announced progressive_call_invocations and call_canceling")
			return ""
		}
	}
	if !rm.dispatch(inv, candidates) {
		if uri, why := inv.refusedCall(); uri != "" { // payload_size.go
			rm.refuseCall(s, m, progress, uri, why)
		} else {
			rm.refuseCall(s, m, progress, wamp.ErrNoAvailableCallee,
				"every callee of "+echo(reg.uri)+" is over its outbound queue limit or closing")
		}
		return ""
	}
	s.addCall(m.Request, inv)
	return ""
}

// refuseCall answers a new CALL with ERROR uri; a progressive one's
// further parts are then discarded.
func (rm *realm) refuseCall(s *session, m *wamp.Call, progress bool, uri wamp.URI, why string) {
	rm.errorReply(s, wamp.TypeCall, m.Request, uri, why)
	if progress {
		s.endStream(m.Request)
	}
}

// dispatch sends inv's INVOCATION to the first of candidates that is still
// a callee of inv.reg and has room in its queue (below its soft limit);
// the callees after it are kept for a reroute. It reports false when none
// took it.
func (rm *realm) dispatch(inv *invocation, candidates []callee) bool {
	m := inv.call
	size := msgOverhead + payloadSize(m.Args, m.Kwargs, m.Payload)
	for i, c := range candidates {
		if c.s.removed || c.s.regs[inv.reg.id] != inv.reg {
			continue // left, unregistered or revoked since
		}
		details := rm.invocationDetails(inv, c)
		id := rm.r.ids.Next()
		msg := rm.invocationMsg(c.s) // dealer_scratch.go
		*msg = wamp.Invocation{Request: id, Registration: inv.reg.id, Details: details, Args: m.Args, Kwargs: m.Kwargs, Payload: m.Payload}
		res := c.s.q.push(msg, size+valueSize(details, 0), limitSoft)
		rm.doneInvocationMsg(msg)
		if res != pushed {
			if res == tooLarge || res == unencodable {
				rm.invocationRefused(c.s, inv, res) // payload_size.go
			}
			continue
		}
		refused := inv.refused
		inv.id, inv.callee, inv.refused = id, c.s, pushed
		_, inv.forwarded = details["timeout"]
		if !inv.streaming && i+1 < len(candidates) {
			inv.rest = slices.Clone(candidates[i+1:]) // candidates may be reg.callees
		} else {
			inv.rest = nil
		}
		if inv.streaming {
			inv.details, inv.progressed = details, true
		}
		c.s.addInv(id, inv)
		if rm.r.cfg.Fabric != nil && !rm.fabricInvoke(c.s, inv) { // fabric_callee.go: refused, try the next
			delete(c.s.invs, id)
			if inv.refused == pushed {
				inv.refused = refused // an earlier callee's refusal still answers for the call
			}
			continue
		}
		rm.armTimeout(inv)
		return true
	}
	return false
}

// invocationDetails returns a new INVOCATION.Details for inv to callee c:
// from the (initiating) CALL's options, the registration, the realm's
// call trust levels.
func (rm *realm) invocationDetails(inv *invocation, c callee) wamp.Dict {
	m := inv.call
	// nil (written as {}) until a key applies: a plain call allocates no
	// dict. The INVOCATION's Details are read-only after this.
	var details wamp.Dict
	set := func(k string, v any) {
		if details == nil {
			details = wamp.Dict{}
		}
		details[k] = v
	}
	if inv.pattern {
		set("procedure", string(m.Procedure))
	}
	if inv.receiveProgress {
		set("receive_progress", true)
	}
	if inv.streaming {
		set("progress", true) // continueStream clones these details
	}
	if discloseMe, _ := m.Options["disclose_me"].(bool); discloseMe || c.discloseCaller {
		s := inv.caller
		set("caller", uint64(s.id))
		set("caller_authid", s.authid)
		set("caller_authrole", s.authrole)
	}
	if lvl, ok := rm.cfg.CallTrustLevels[inv.caller.authrole]; ok {
		set("trustlevel", int64(lvl))
	}
	if inv.timeout > 0 && c.forwardTimeout {
		set("timeout", remainingMillis(inv.deadline))
	}
	if details == nil && len(m.Options) > 0 {
		details = wamp.Dict{}
	}
	copyPassthru(details, m.Options) // passthru.go: ppt_* and enc_*
	return details
}

func (rm *realm) yield(s *session, m *wamp.Yield) {
	inv := s.invs[m.Request]
	if inv == nil {
		return // canceled (killnowait, skip), timed out or the caller left: late answers are dropped
	}
	// nil (written as {}) for a YIELD without options; a progressive
	// YIELD has options, and its RESULT gets progress below.
	var details wamp.Dict
	if len(m.Options) > 0 {
		details = wamp.Dict{}
		copyPassthru(details, m.Options) // passthru.go: ppt_* and enc_*
	}
	if p, _ := m.Options["progress"].(bool); p {
		inv.progressed = true
		if inv.receiveProgress && !inv.killed {
			details["progress"] = true
			rm.reply(inv.caller, &wamp.Result{Request: inv.callReq, Details: details, Args: m.Args, Kwargs: m.Kwargs, Payload: m.Payload})
		}
		return
	}
	rm.finish(inv)
	// to a session on the loop from the realm's scratch RESULT (dealer_scratch.go)
	rm.replyResult(inv.caller, wamp.Result{Request: inv.callReq, Details: details, Args: m.Args, Kwargs: m.Kwargs, Payload: m.Payload})
	rm.recycle(inv) // dealer_recycle.go
}

// invocationError forwards a callee's ERROR to the caller, or reroutes
// the call on wamp.error.unavailable (dealer_reroute.go).
func (rm *realm) invocationError(s *session, m *wamp.Error) {
	inv := s.invs[m.Request]
	if inv == nil {
		return
	}
	if m.Error == wamp.ErrUnavailable && rm.reroute(inv) {
		return
	}
	rm.finish(inv)
	details := wamp.Dict{}
	copyPassthru(details, m.Details) // passthru.go: ppt_* and enc_*
	rm.reply(inv.caller, &wamp.Error{RequestType: wamp.TypeCall, Request: inv.callReq, Details: details,
		Error: m.Error, Args: m.Args, Kwargs: m.Kwargs, Payload: m.Payload})
}

// finish forgets inv: the caller is being answered. The caller's
// further parts of a progressive call invocation are discarded.
func (rm *realm) finish(inv *invocation) {
	inv.done = true
	inv.stopTimer()
	delete(inv.callee.invs, inv.id)
	delete(inv.caller.calls, inv.callReq)
	if inv.streaming {
		inv.streaming = false
		inv.caller.endStream(inv.callReq)
	}
	inv.call, inv.rest, inv.details = nil, nil, nil
}

// abortCall ends inv at once: the caller gets ERROR uri (why as its
// argument); the callee gets INTERRUPT killnowait when interrupt is set
// and it announced call_canceling (and was not interrupted already).
func (rm *realm) abortCall(inv *invocation, uri wamp.URI, interrupt bool, why string) {
	rm.finish(inv)
	rm.errorReply(inv.caller, wamp.TypeCall, inv.callReq, uri, why)
	if interrupt && inv.callee.canCancel && !inv.killed {
		rm.control(inv.callee, &wamp.Interrupt{Request: inv.id, Options: wamp.Dict{"mode": "killnowait", "reason": string(uri)}})
	}
}

// cancel handles CANCEL (WAMP spec, "Call Canceling"). Mode skip answers
// the caller at once and tells the callee nothing; killnowait interrupts
// the callee and answers the caller at once; kill interrupts the callee
// and lets its answer end the call. A callee that did not announce
// call_canceling is treated as skip. The default mode is killnowait.
func (rm *realm) cancel(s *session, m *wamp.Cancel) {
	inv := s.calls[m.Request]
	if inv == nil {
		return // answered already
	}
	mode, _ := m.Options["mode"].(string)
	if mode == "" {
		mode = "killnowait"
	}
	if !inv.callee.canCancel {
		mode = "skip"
	}
	switch mode {
	case "kill":
		if !inv.killed {
			inv.killed = true
			inv.rest = nil // the callee's answer, whatever it is, ends the call
			rm.control(inv.callee, &wamp.Interrupt{Request: inv.id, Options: wamp.Dict{"mode": "kill", "reason": string(wamp.ErrCanceled)}})
		}
	case "killnowait":
		rm.abortCall(inv, wamp.ErrCanceled, true, "canceled by the caller")
	default: // skip
		rm.abortCall(inv, wamp.ErrCanceled, false, "canceled by the caller")
	}
}

// dealerFlags are the dealer features a session announced in HELLO.
type dealerFlags struct {
	progressiveCaller bool // caller.features.progressive_call_invocations
	progressiveCallee bool // callee.features.progressive_call_invocations and call_canceling
	callTimeout       bool // callee.features.call_timeout
	revocation        bool // callee.features.registration_revocation
}

func dealerFlagsOf(helloDetails wamp.Dict) dealerFlags {
	return dealerFlags{
		progressiveCaller: feature(helloDetails, "caller", "progressive_call_invocations"),
		progressiveCallee: feature(helloDetails, "callee", "progressive_call_invocations") && feature(helloDetails, "callee", "call_canceling"),
		callTimeout:       feature(helloDetails, "callee", "call_timeout"),
		revocation:        feature(helloDetails, "callee", "registration_revocation"),
	}
}

// reservedURI reports whether u is in the "wamp" namespace, which the
// spec reserves for the router (its meta API and error URIs): a client
// may not register there (in any match policy), as Crossbar refuses
// such REGISTERs from its clients, and a CALL there that is not the
// router's gets wamp.error.no_such_procedure, never reaching a client's
// prefix or wildcard registration: the caller of a wamp.* procedure must
// be able to trust that the router answers it.
func reservedURI(u wamp.URI) bool {
	return strings.HasPrefix(string(u), "wamp.")
}

// matchOf returns Options.match, "exact" when absent.
func matchOf(options wamp.Dict) string {
	switch m, _ := options["match"].(string); m {
	case wamp.MatchPrefix, wamp.MatchWildcard:
		return m
	}
	return wamp.MatchExact
}
