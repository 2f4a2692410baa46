package router

import (
	"maps"
	"slices"

	"github.com/autobahn-go/autobahn/wamp"
)

// Progressive call invocations (WAMP spec, "Progressive Call
// Invocations"): a CALL with Options.progress=true opens a stream; the
// caller's further CALLs with the same request ID go, in order, to the
// same callee as INVOCATIONs with the same request ID, Details.progress
// set on all but the one of the CALL without progress, which closes the
// stream. The details of every INVOCATION of a stream are those of the
// first (the initiating CALL's options are frozen, progress aside). The
// callee's answer ends the call as usual, stream open or not.
//
// Only callees that announced progressive_call_invocations and
// call_canceling are offered a stream; when the registration has none,
// the caller gets wamp.error.feature_not_supported. A caller that did not
// announce progressive_call_invocations and sends CALL progress=true
// breaks the protocol (its session is aborted). Streams are never
// rerouted.

// maxEndedStreams bounds, per session, how many request IDs of streams that
// ended while the caller's side was open are remembered (so that the
// CALLs still on their way are discarded instead of starting new calls);
// past it the oldest is forgotten, and a CALL for it that comes later
// starts a new call.
const maxEndedStreams = 64

// progressiveCallees returns the candidates that can take a stream. It
// may return candidates itself (filtered in place only when it is a copy).
func progressiveCallees(candidates []callee) []callee {
	ok := func(c callee) bool { return c.s.dealer.progressiveCallee }
	if !slices.ContainsFunc(candidates, func(c callee) bool { return !ok(c) }) {
		return candidates
	}
	out := make([]callee, 0, len(candidates))
	for _, c := range candidates {
		if ok(c) {
			out = append(out, c)
		}
	}
	return out
}

// continueStream forwards the next CALL of inv's stream to its callee; it
// returns a non-empty text for a protocol violation.
func (rm *realm) continueStream(inv *invocation, m *wamp.Call, progress bool) string {
	if m.Procedure != inv.call.Procedure {
		return "CALL continuing a progressive call names another procedure"
	}
	if !progress {
		inv.streaming = false // the caller's last part
	}
	if inv.killed {
		return "" // interrupted (CANCEL kill): the callee's answer ends the call, the parts go nowhere
	}
	details := maps.Clone(inv.details)
	if progress {
		details["progress"] = true
	} else {
		delete(details, "progress")
	}
	msg := &wamp.Invocation{Request: inv.id, Registration: inv.reg.id, Details: details, Args: m.Args, Kwargs: m.Kwargs, Payload: m.Payload}
	size := msgOverhead + payloadSize(m.Args, m.Kwargs, m.Payload) + valueSize(details, 0)
	switch res := inv.callee.q.push(msg, size, limitSoft); res {
	case pushed:
	case tooLarge, unencodable: // payload_size.go
		rm.invocationRefused(inv.callee, inv, res)
		uri, why := inv.callee.refusedWhy("a part of this progressive call", "callee", res)
		rm.abortCall(inv, uri, true, why)
	default:
		// The stream cannot go elsewhere: the call ends.
		rm.abortCall(inv, wamp.ErrNoAvailableCallee, true, "the callee of this progressive call is over its outbound queue limit or closing")
	}
	return ""
}

// endStream remembers that the stream of request req ended before the
// caller closed it: its further CALLs are discarded.
func (s *session) endStream(req wamp.ID) {
	if s.removed {
		return
	}
	if len(s.endedStreams) == maxEndedStreams {
		copy(s.endedStreams, s.endedStreams[1:])
		s.endedStreams = s.endedStreams[:maxEndedStreams-1]
	}
	s.endedStreams = append(s.endedStreams, req)
}

// knownCall reports whether request req of s is a pending call or a
// progressive call invocation that ended: a CALL with it is the next part
// of a stream, a part to discard or a protocol violation, never a new
// call (whose authorization would decide).
func (s *session) knownCall(req wamp.ID) bool {
	return s.calls[req] != nil || slices.Contains(s.endedStreams, req)
}

// streamEnded reports whether a CALL with request req continues a stream
// that has ended (the CALL is to be discarded); the caller's last part
// (progress false) lets the request ID go.
func (s *session) streamEnded(req wamp.ID, progress bool) bool {
	if len(s.endedStreams) == 0 {
		return false
	}
	i := slices.Index(s.endedStreams, req)
	if i < 0 {
		return false
	}
	if !progress {
		s.endedStreams = slices.Delete(s.endedStreams, i, i+1)
	}
	return true
}
