package router

import "github.com/autobahn-go/autobahn/wamp"

// A routed call's INVOCATION and RESULT, when they go to a session on the
// event loop, are written from one struct of the realm's each, reused for
// every call: two allocations (80 bytes each) fewer per call.
//
// This is safe because of what a *loopOut's push does with the message:
// it encodes it (websocket.Conn.SendNow: the serializer's AppendMessage
// into a pooled buffer, whose bytes are copied into the connection's
// queue) before it returns, and keeps no reference to it; the realm's
// lock, held across the push, orders the uses. Every other outbox may
// keep the pointer (a goroutine session queues it, an in-process session
// hands it to user code, the fabric's serveOut to its answer func), so
// those get a message of their own, as does everything else that sends
// these types (progressive results, meta API, fabric). After the push
// the scratch message is cleared: it must not keep the call's arguments
// (and the decoded CALL or YIELD they live in) alive.

// encodesNow reports whether s's outbox encodes a message before push
// returns and keeps no reference to it.
func encodesNow(s *session) bool {
	_, ok := s.q.(*loopOut)
	return ok
}

// invocationMsg returns the INVOCATION to push to s: the realm's scratch
// one when s encodes it at once (pass it to doneInvocationMsg after the
// push). Called with the realm's lock held.
func (rm *realm) invocationMsg(s *session) *wamp.Invocation {
	if encodesNow(s) {
		return &rm.invMsg
	}
	return new(wamp.Invocation)
}

// doneInvocationMsg clears m after its push if it is the scratch one.
func (rm *realm) doneInvocationMsg(m *wamp.Invocation) {
	if m == &rm.invMsg {
		rm.invMsg = wamp.Invocation{}
	}
}

// replyResult pushes r to s as rm.reply does, from the realm's scratch
// RESULT when s encodes it at once. Called with the realm's lock held.
func (rm *realm) replyResult(s *session, r wamp.Result) {
	if !encodesNow(s) {
		m := new(wamp.Result) // allocated here only: &r would move r to the heap on every call
		*m = r
		rm.reply(s, m)
		return
	}
	rm.resMsg = r
	rm.reply(s, &rm.resMsg)
	rm.resMsg = wamp.Result{}
}
