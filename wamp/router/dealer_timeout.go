package router

import (
	"strconv"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
)

// Call timeouts (WAMP spec, "Call Timeouts"): CALL.Options.timeout, in
// milliseconds (0 or absent: none), is enforced by a dealer timer started
// when the CALL arrives. When it passes before the caller has its answer,
// the caller gets ERROR wamp.error.timeout (the URI the spec requires of
// dealer-initiated timeouts) and the callee INTERRUPT mode killnowait with
// reason wamp.error.timeout, or nothing when it did not announce
// call_canceling (mode skip); the callee's late answer is dropped.
//
// A callee that announced callee.features.call_timeout and registered
// with REGISTER.Options.forward_timeout=true handles the timeout itself:
// its INVOCATION carries Details.timeout (the milliseconds left), so the
// callee's own ERROR (wamp.error.timeout, by the spec) is what the caller
// gets. The dealer still keeps a backstop, as every call gets an answer:
// when the callee has not answered forwardGrace after the deadline
// (what its ERROR needs to come back), the dealer ends the call as its
// own timeout would (ERROR wamp.error.timeout to the caller, INTERRUPT
// killnowait to the callee). A timeout longer than maxCallTimeout is cut
// to it.
//
// A stream of progressive call invocations has one timeout, from its
// first CALL; a rerouted call keeps its deadline, timed by the dealer or
// by its new callee as that callee registered.

// maxCallTimeout bounds CALL.Options.timeout: a century.
const maxCallTimeout = 100 * 365 * 24 * time.Hour

// callTimeout returns CALL.Options.timeout as a duration; 0 when absent,
// zero, negative or not an integer.
func callTimeout(options wamp.Dict) time.Duration {
	ms, ok := wamp.AsInt64(options["timeout"])
	if !ok || ms <= 0 {
		return 0
	}
	if ms > int64(maxCallTimeout/time.Millisecond) {
		return maxCallTimeout
	}
	return time.Duration(ms) * time.Millisecond
}

// forwardGrace returns how long after the deadline of a call with timeout
// d the dealer waits for the answer of a callee that took over the
// timeout: a second, or a tenth of d when that is longer.
func forwardGrace(d time.Duration) time.Duration {
	return max(time.Second, d/10)
}

// remainingMillis returns the whole milliseconds until deadline, at least 1.
func remainingMillis(deadline time.Time) int64 {
	d := time.Until(deadline)
	ms := int64((d + time.Millisecond - 1) / time.Millisecond)
	return max(ms, 1)
}

// armTimeout starts the dealer's timer for inv unless it has no timeout
// or the right one runs already: at the deadline, or forwardGrace after
// it when the callee was given the timeout (inv.forwarded). A reroute to
// a callee of the other kind replaces the timer.
func (rm *realm) armTimeout(inv *invocation) {
	if inv.timeout <= 0 || (inv.timer != nil && inv.graced == inv.forwarded) {
		return
	}
	inv.stopTimer()
	at := inv.deadline
	if inv.forwarded {
		at = at.Add(forwardGrace(inv.timeout))
	}
	inv.graced = inv.forwarded
	inv.timer = time.AfterFunc(time.Until(at), func() { rm.expire(inv) })
}

// expire ends inv when its timeout has passed (and, when its callee took
// the timeout over, the grace after it).
func (rm *realm) expire(inv *invocation) {
	rm.lock()
	defer rm.unlock()
	if inv.done {
		return // answered meanwhile (the timer could not be stopped in time)
	}
	why := "call timeout of " + strconv.FormatInt(inv.timeout.Milliseconds(), 10) + " ms passed"
	if inv.forwarded {
		why += "; the callee, which took over the timeout, did not answer within " + forwardGrace(inv.timeout).String() + " after it"
	}
	rm.abortCall(inv, wamp.ErrTimeout, true, why)
}

// stopTimer stops inv's timer, if any; a run already under way finds
// inv.done.
func (inv *invocation) stopTimer() {
	if inv.timer != nil {
		inv.timer.Stop()
		inv.timer = nil
	}
}
