package router

import "github.com/autobahn-go/autobahn/wamp"

// Call reroute (WAMP spec, "Call Re-Routing"): a callee that answers an
// INVOCATION with ERROR wamp.error.unavailable is skipped and the call
// goes, with a new INVOCATION, to the next callee of the registration in
// the invocation policy's order as it was when the CALL came (roundrobin:
// the following callees; first: those registered after it; last: those
// registered before it; random: the others in random order; single: none).
// Callees that left or unregistered since, or are over their queue's soft
// limit, are passed over. When none is left the caller gets
// wamp.error.no_available_callee (wamp.error.payload_size_exceeded when
// one's transport refused the INVOCATION as too large,
// wamp.error.invalid_argument when its serializer could not encode it:
// payload_size.go). The callee's announcement is not required:
// wamp.error.unavailable is the router's own URI. A call whose
// callee was interrupted (CANCEL kill), that sent a progressive result or
// is a progressive call invocation is not rerouted: the caller gets the
// ERROR as it is.

// reroute handles a callee's wamp.error.unavailable for inv: it reports
// false when the ERROR is to be forwarded as it is.
func (rm *realm) reroute(inv *invocation) bool {
	if inv.killed || inv.progressed || inv.call == nil {
		return false
	}
	delete(inv.callee.invs, inv.id)
	if rm.dispatch(inv, inv.rest) {
		return true
	}
	rm.finish(inv)
	if uri, why := inv.refusedCall(); uri != "" { // payload_size.go
		rm.errorReply(inv.caller, wamp.TypeCall, inv.callReq, uri, why)
		return true
	}
	rm.errorReply(inv.caller, wamp.TypeCall, inv.callReq, wamp.ErrNoAvailableCallee,
		"every callee of "+echo(inv.reg.uri)+" is unavailable, over its outbound queue limit or gone")
	return true
}
