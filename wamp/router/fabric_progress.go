package router

import (
	"errors"

	"github.com/autobahn-go/autobahn/wamp"
)

// Progressive results, progressive call invocations and CANCEL across
// routers.
//
// Progressive results need nothing of the Fabric beyond ordering: a
// CALL's receive_progress crosses with it (FabricCall.Options), the
// callee's router offers it to its callee and hands each progressive
// result to Serve's answer function, in order, before the final answer;
// the caller's router gets them back with FabricCall.Progress, in the same
// order, then the final one with FabricCall.Answer. The dealer's rules
// then apply on the caller's router: a caller that did not ask gets
// none, a CANCEL kill stops them.
//
// What the caller does while a call runs (its CANCEL, its leaving, its
// call timeout passing, the further parts of a progressive call
// invocation) needs a Fabric that implements FabricCallControl. With one,
// a RemoteCallee announces call_canceling and progressive_call_invocations,
// so the dealer treats it as a local callee that did: the INTERRUPTs and
// the caller's further CALLs that a local callee would get go to the
// Fabric, which hands them to the callee's router's ServedCall (Cancel,
// Continue). The callee's router then does what it would for a local
// caller, and the call's one final answer comes back as usual. Without
// one, a RemoteCallee is a callee without call_canceling (CANCEL is skip
// for its calls) that takes no progressive call invocations.

// FabricCallControl is implemented by a Fabric that carries the caller's
// side of a call in flight to the callee's router. The router calls its
// methods under a realm's lock, with the rules of the Fabric's methods
// (no blocking, no FabricLink calls).
type FabricCallControl interface {
	// Interrupt is called when the dealer interrupts call, a call it
	// gave to Fabric.Invoke: mode "kill" (the caller's CANCEL kill; the
	// answer of the callee's router still ends the call) or
	// "killnowait" (the caller's CANCEL killnowait, the caller left, the
	// call timeout passed: the call has ended on this router, its answer
	// will be dropped). reason is the INTERRUPT's (wamp.error.canceled,
	// wamp.error.timeout). The callee's router is to call the call's
	// ServedCall.Cancel with mode.
	Interrupt(call *FabricCall, mode string, reason wamp.URI)
	// Continue is called with the caller's next part of call, a
	// progressive call invocation (call.Options has progress=true):
	// the callee's router is to give it, in order, to the call's
	// ServedCall.Continue. An error ends the call: the caller gets
	// ERROR wamp.error.no_available_callee (wamp.error.invalid_argument
	// when the error is or wraps ErrFabricUnencodable,
	// wamp.error.payload_size_exceeded for ErrFabricTooLarge) and the
	// fabric an Interrupt killnowait.
	Continue(call *FabricCall, part *FabricCallPart) error
}

// FabricCallPart is a further part of a progressive call invocation (WAMP
// spec, "Progressive Call Invocations"): a CALL of the caller with the
// request ID of a call in flight. Progress is false on the last part. Its
// fields are read-only.
type FabricCallPart struct {
	Progress bool
	Args     wamp.List
	Kwargs   wamp.Dict
	Payload  []byte
}

// Progress delivers a progressive result of the call on the caller's
// router: m is a *wamp.Result with Details.progress that the callee's
// router answered with. The caller gets it as RESULT with
// Details.progress (and the payload passthru keys of m.Details) when it
// asked for progressive results and did not CANCEL kill the call. The
// fabric gives a call's progressive results in the order they were
// yielded, each once, before its Answer; after the Answer, or after the
// call ended otherwise, they are dropped. It must not be called under
// the router's locks.
func (c *FabricCall) Progress(m *wamp.Result) {
	if c.rm == nil || c.answered.Load() {
		return
	}
	opts := wamp.Dict{"progress": true}
	copyPassthru(opts, m.Details)
	rm := c.rm
	rm.lock()
	defer rm.unlock()
	rm.yield(c.proxy, &wamp.Yield{Request: c.id, Options: opts, Args: m.Args, Kwargs: m.Kwargs, Payload: m.Payload})
}

// ServedCall is a call from another router that FabricLink.Serve runs on
// local callees: through it the caller's router passes on what the
// caller does while the call runs. Its methods are safe for concurrent
// use, must not be called from the Fabric's methods nor from Serve's
// answer function, and do nothing once the call has its final answer
// (or on a nil ServedCall).
type ServedCall struct {
	rm *realm
	s  *session // the remote caller's session; its call is request 1
}

// Cancel cancels the call as the caller's CANCEL with mode would (WAMP
// spec, "Call Canceling"; "" is killnowait): skip answers the call with
// ERROR wamp.error.canceled at once; killnowait also sends the callee
// INTERRUPT killnowait; kill sends INTERRUPT kill and lets the callee's
// answer end the call. A callee that did not announce call_canceling is
// treated as skip, as for a local caller. So is an unknown mode, which a
// local caller cannot send (its CANCEL is a protocol violation; the
// caller's router passes on kill and killnowait only). The answer goes to
// Serve's answer function.
func (sc *ServedCall) Cancel(mode string) {
	if sc == nil || sc.rm == nil {
		return
	}
	sc.rm.lock()
	defer sc.rm.unlock()
	sc.rm.cancel(sc.s, &wamp.Cancel{Request: 1, Options: wamp.Dict{"mode": mode}})
}

// Continue gives the call's callee the caller's next part of a
// progressive call invocation, as an INVOCATION with the call's request
// ID (Details.progress unless it is the last part). Parts of a call that
// is not a progressive call invocation, or whose stream has ended
// (answered, canceled, the last part given), are dropped.
func (sc *ServedCall) Continue(part *FabricCallPart) {
	if sc == nil || sc.rm == nil {
		return
	}
	rm := sc.rm
	rm.lock()
	defer rm.unlock()
	inv := sc.s.calls[1]
	if inv == nil || !inv.streaming {
		return
	}
	m := &wamp.Call{Request: 1, Options: wamp.Dict{}, Procedure: inv.call.Procedure,
		Args: part.Args, Kwargs: part.Kwargs, Payload: part.Payload}
	if part.Progress {
		m.Options["progress"] = true
	}
	rm.continueStream(inv, m, part.Progress) // dealer_progressive.go: same procedure, no violation
}

// remoteControl hands what the dealer sends a RemoteCallee for a call in
// flight to the FabricCallControl (remoteOut.push): an INTERRUPT, or the
// next INVOCATION of a progressive call invocation. The first INVOCATION
// of a call goes to the fabric through fabricInvoke. The realm's lock is
// held.
func (o *remoteOut) remoteControl(m wamp.Message) pushResult {
	switch m := m.(type) {
	case *wamp.Interrupt:
		fc := o.calls[m.Request]
		if fc == nil {
			return pushed
		}
		mode, _ := m.Options["mode"].(string)
		reason, _ := m.Options["reason"].(string)
		if mode != "kill" {
			delete(o.calls, m.Request) // the call has ended here
		}
		o.ctl.Interrupt(fc, mode, wamp.URI(reason))
	case *wamp.Invocation:
		fc := o.calls[m.Request]
		if fc == nil {
			return pushed // a call's first INVOCATION
		}
		p, _ := m.Details["progress"].(bool)
		if err := o.ctl.Continue(fc, &FabricCallPart{Progress: p, Args: m.Args, Kwargs: m.Kwargs, Payload: m.Payload}); err != nil {
			o.c.rm.log.Info("wamp/router: fabric refused a part of a progressive call", "procedure", fc.Procedure, "node", o.c.Node, "err", err)
			switch {
			case errors.Is(err, ErrFabricUnencodable):
				return unencodable // continueStream ends the call with wamp.error.invalid_argument
			case errors.Is(err, ErrFabricTooLarge):
				return tooLarge // continueStream ends the call with wamp.error.payload_size_exceeded
			}
			return queueEnded // continueStream ends the call
		}
	}
	return pushed
}

// fabricTrack remembers fc, just given to the fabric, for the INTERRUPTs
// and further parts of its call (when the fabric takes them). The realm's
// lock is held.
func (o *remoteOut) fabricTrack(fc *FabricCall) {
	if o.ctl == nil {
		return
	}
	if o.calls == nil {
		o.calls = map[wamp.ID]*FabricCall{}
	}
	o.calls[fc.id] = fc
}
