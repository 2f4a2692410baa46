package router

import (
	"math/rand/v2"
	"slices"

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
}

// invocation is a call on its way: from the CALL until the caller has its
// final answer (or the callee its INTERRUPT).
type invocation struct {
	id              wamp.ID // INVOCATION.Request
	caller          *session
	callReq         wamp.ID
	callee          *session
	receiveProgress bool
	killed          bool // INTERRUPT mode kill sent; the callee's answer ends the call
}

func (rm *realm) register(s *session, m *wamp.Register) {
	match := matchOf(m.Options)
	if !rm.validURI(m.Procedure, match) {
		rm.errorReply(s, wamp.TypeRegister, m.Request, wamp.ErrInvalidURI, "invalid procedure URI: "+string(m.Procedure))
		return
	}
	policy, _ := m.Options["invoke"].(string)
	if policy == "" {
		policy = InvokeSingle
	}
	disclose, _ := m.Options["disclose_caller"].(bool)
	reg, ok := rm.regs.get(m.Procedure, match)
	if ok {
		if policy == InvokeSingle || reg.policy != policy || s.regs[reg.id] != nil {
			rm.errorReply(s, wamp.TypeRegister, m.Request, wamp.ErrProcedureAlreadyExists,
				"procedure "+string(m.Procedure)+" is registered with invoke policy "+reg.policy)
			return
		}
	} else {
		reg = &registration{id: rm.r.ids.Next(), uri: m.Procedure, match: match, policy: policy}
		rm.regs.set(m.Procedure, match, reg)
		rm.regByID[reg.id] = reg
	}
	reg.callees = append(reg.callees, callee{s: s, discloseCaller: disclose})
	s.regs[reg.id] = reg
	rm.reply(s, &wamp.Registered{Request: m.Request, Registration: reg.id})
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
func (rm *realm) dropCallee(reg *registration, s *session) {
	reg.callees = slices.DeleteFunc(reg.callees, func(c callee) bool { return c.s == s })
	if len(reg.callees) == 0 {
		rm.regs.del(reg.uri, reg.match)
		delete(rm.regByID, reg.id)
	}
}

// order returns the callees to try for one call, in the policy's order:
// the first that has room in its queue gets the invocation.
func (reg *registration) order() []callee {
	n := len(reg.callees)
	switch reg.policy {
	case InvokeSingle, InvokeFirst:
		return reg.callees
	case InvokeLast:
		out := slices.Clone(reg.callees)
		slices.Reverse(out)
		return out
	}
	start := 0
	if reg.policy == InvokeRandom {
		start = rand.IntN(n)
	} else {
		start = reg.next % n
		reg.next = (start + 1) % n
	}
	if start == 0 {
		return reg.callees
	}
	return append(slices.Clone(reg.callees[start:]), reg.callees[:start]...)
}

func (rm *realm) call(s *session, m *wamp.Call) string {
	if _, dup := s.calls[m.Request]; dup {
		return "CALL: request ID in use by a pending call"
	}
	if !rm.validURI(m.Procedure, wamp.MatchExact) {
		rm.errorReply(s, wamp.TypeCall, m.Request, wamp.ErrInvalidURI, "invalid procedure URI: "+string(m.Procedure))
		return ""
	}
	if p, _ := m.Options["progress"].(bool); p {
		rm.errorReply(s, wamp.TypeCall, m.Request, wamp.ErrFeatureNotSupported, "progressive call invocations are not supported")
		return ""
	}
	reg, match, ok := rm.regs.best(m.Procedure)
	if !ok {
		rm.errorReply(s, wamp.TypeCall, m.Request, wamp.ErrNoSuchProcedure, "no callee registered for "+string(m.Procedure))
		return ""
	}
	receiveProgress, _ := m.Options["receive_progress"].(bool)
	discloseMe, _ := m.Options["disclose_me"].(bool)
	size := msgOverhead + payloadSize(m.Args, m.Kwargs, m.Payload)
	for _, c := range reg.order() {
		details := wamp.Dict{}
		if match != wamp.MatchExact {
			details["procedure"] = string(m.Procedure)
		}
		if receiveProgress {
			details["receive_progress"] = true
		}
		if discloseMe || c.discloseCaller {
			details["caller"] = uint64(s.id)
			details["caller_authid"] = s.authid
			details["caller_authrole"] = s.authrole
		}
		if enc, ok := m.Options["enc_algo"]; ok {
			details["enc_algo"] = enc
		}
		if enc, ok := m.Options["enc_serializer"]; ok {
			details["enc_serializer"] = enc
		}
		inv := &invocation{id: rm.r.ids.Next(), caller: s, callReq: m.Request, callee: c.s, receiveProgress: receiveProgress}
		msg := &wamp.Invocation{Request: inv.id, Registration: reg.id, Details: details, Args: m.Args, Kwargs: m.Kwargs, Payload: m.Payload}
		if c.s.q.push(msg, size+valueSize(details, 0), limitSoft) == pushed {
			s.calls[m.Request] = inv
			c.s.invs[inv.id] = inv
			return ""
		}
	}
	rm.errorReply(s, wamp.TypeCall, m.Request, wamp.ErrNoAvailableCallee,
		"every callee of "+string(reg.uri)+" is over its outbound queue limit or closing")
	return ""
}

func (rm *realm) yield(s *session, m *wamp.Yield) {
	inv := s.invs[m.Request]
	if inv == nil {
		return // canceled (killnowait, skip) or the caller left: late answers are dropped
	}
	details := wamp.Dict{}
	for _, k := range []string{"enc_algo", "enc_serializer", "enc_key"} {
		if v, ok := m.Options[k]; ok {
			details[k] = v
		}
	}
	if p, _ := m.Options["progress"].(bool); p {
		if inv.receiveProgress && !inv.killed {
			details["progress"] = true
			rm.reply(inv.caller, &wamp.Result{Request: inv.callReq, Details: details, Args: m.Args, Kwargs: m.Kwargs, Payload: m.Payload})
		}
		return
	}
	rm.finish(inv)
	rm.reply(inv.caller, &wamp.Result{Request: inv.callReq, Details: details, Args: m.Args, Kwargs: m.Kwargs, Payload: m.Payload})
}

// invocationError forwards a callee's ERROR to the caller.
func (rm *realm) invocationError(s *session, m *wamp.Error) {
	inv := s.invs[m.Request]
	if inv == nil {
		return
	}
	rm.finish(inv)
	rm.reply(inv.caller, &wamp.Error{RequestType: wamp.TypeCall, Request: inv.callReq, Details: wamp.Dict{},
		Error: m.Error, Args: m.Args, Kwargs: m.Kwargs, Payload: m.Payload})
}

// finish forgets inv: the caller is being answered.
func (rm *realm) finish(inv *invocation) {
	delete(inv.callee.invs, inv.id)
	delete(inv.caller.calls, inv.callReq)
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
			rm.control(inv.callee, &wamp.Interrupt{Request: inv.id, Options: wamp.Dict{"mode": "kill", "reason": string(wamp.ErrCanceled)}})
		}
	case "killnowait":
		rm.finish(inv)
		rm.errorReply(s, wamp.TypeCall, inv.callReq, wamp.ErrCanceled, "canceled by the caller")
		rm.control(inv.callee, &wamp.Interrupt{Request: inv.id, Options: wamp.Dict{"mode": "killnowait", "reason": string(wamp.ErrCanceled)}})
	default: // skip
		rm.finish(inv)
		rm.errorReply(s, wamp.TypeCall, inv.callReq, wamp.ErrCanceled, "canceled by the caller")
	}
}

// matchOf returns Options.match, "exact" when absent.
func matchOf(options wamp.Dict) string {
	switch m, _ := options["match"].(string); m {
	case wamp.MatchPrefix, wamp.MatchWildcard:
		return m
	}
	return wamp.MatchExact
}
