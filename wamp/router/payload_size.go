package router

import (
	"context"
	"errors"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/transport/rawsocket"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
)

// Messages too large for the peer's transport (WAMP spec, Basic Profile
// URIs: wamp.error.payload_size_exceeded, "a message could not be
// delivered due to transport payload size limits"; RawSocket: "handling
// situations like the latter is left to the implementation", dropping
// and counting an EVENT being its first example). A RawSocket client's
// maximum message length, or the WebSocket server's MaxMessagePayload,
// refuses the message; the session goes on:
//
//   - an INVOCATION goes to the next callee of the call's policy order,
//     as a reroute would (dealer_reroute.go); when none is left the
//     caller gets ERROR wamp.error.payload_size_exceeded (a progressive
//     call invocation's callee gets INTERRUPT killnowait: it may have
//     had parts of it);
//   - a RESULT or a call's ERROR is replaced by ERROR
//     wamp.error.payload_size_exceeded, the call's one final answer (as
//     Crossbar answers a result too large for its caller, with its own
//     URI); the callee, whose invocation is over, is told nothing;
//   - a progressive RESULT ends the call as that ERROR, and the callee
//     gets INTERRUPT killnowait, as the fabric does (fabric_progress.go);
//   - an EVENT is dropped, logged and counted as an event dropped for a
//     slow subscriber is (Stats.EventsDropped, SessionInfo.Dropped);
//   - a WELCOME goes without the roles' features (compactWelcome).
//
// Any other message too large (a CHALLENGE, an ERROR to a REGISTER or
// SUBSCRIBE, a compact WELCOME still too large) ends the session as a
// failed write does.

// sizeAnswered reports whether payload_size.go answers for m when the
// transport refuses it as too large.
func sizeAnswered(m wamp.Message) bool {
	switch m := m.(type) {
	case *wamp.Encoded:
		return sizeAnswered(m.Message)
	case *wamp.Event, *wamp.Invocation, *wamp.Result:
		return true
	case *wamp.Welcome:
		return m.Details["roles"] != nil && !compact(m)
	case *wamp.Error:
		return m.RequestType == wamp.TypeCall
	}
	return false
}

// isTooLarge reports whether a transport's Send refused a message for
// being larger than the peer takes (nothing was sent).
func isTooLarge(err error) bool {
	return errors.Is(err, websocket.ErrMessageTooLarge) || errors.Is(err, rawsocket.ErrMessageTooLarge)
}

// payloadSizeError is the ERROR that replaces an answer to call request
// req that the caller's transport cannot carry.
func payloadSizeError(req wamp.ID) *wamp.Error {
	return &wamp.Error{RequestType: wamp.TypeCall, Request: req, Details: wamp.Dict{}, Error: wamp.ErrPayloadSizeExceeded,
		Args: wamp.List{"the answer is larger than the caller's transport takes"}}
}

// undeliverable handles m, a message for s that its transport refused as
// too large (sizeAnswered(m)), and returns what to send s in its place
// (nil: nothing). progressEnded is set when m is a progressive RESULT of
// a call that has ended already: its final answer is on its way to s.
// The realm's lock is held.
func (rm *realm) undeliverable(s *session, m wamp.Message) (instead wamp.Message, progressEnded bool) {
	switch m := m.(type) {
	case *wamp.Encoded:
		return rm.undeliverable(s, m.Message)
	case *wamp.Event:
		n := s.dropped.Add(1)
		rm.r.stats.dropped.Add(1)
		rm.log.Warn("wamp/router: event dropped: larger than the subscriber's transport takes", "session", s.id,
			"subscription", m.Subscription, "dropped_total", n)
	case *wamp.Invocation:
		if inv := s.invs[m.Request]; inv != nil && !inv.done {
			rm.log.Info("wamp/router: INVOCATION larger than the callee's transport takes", "session", s.id, "procedure", inv.reg.uri)
			inv.tooLarge = true
			if !rm.reroute(inv) {
				rm.abortCall(inv, wamp.ErrPayloadSizeExceeded, inv.progressed, "the call is larger than the callee's transport takes")
			}
		}
	case *wamp.Result:
		rm.log.Info("wamp/router: RESULT larger than the caller's transport takes", "session", s.id)
		if p, _ := m.Details["progress"].(bool); p {
			inv := s.calls[m.Request]
			if inv == nil {
				return nil, true
			}
			rm.abortCall(inv, wamp.ErrPayloadSizeExceeded, true, "a progressive result is larger than the caller's transport takes")
			return nil, false
		}
		return payloadSizeError(m.Request), false
	case *wamp.Error:
		rm.log.Info("wamp/router: call ERROR larger than the caller's transport takes", "session", s.id, "error", m.Error)
		return payloadSizeError(m.Request), false
	case *wamp.Welcome:
		return compactWelcome(m), false
	}
	return nil, false
}

// compactWelcome returns w without the router's feature announcements,
// which make a WELCOME longer than the least maximum message length a
// RawSocket client may ask for (512 octets, the spec's smallest): WELCOME
// must announce the router's roles, their features are optional. Such a
// client joins, as one that announces no feature it would use.
func compactWelcome(w *wamp.Welcome) *wamp.Welcome {
	d := make(wamp.Dict, len(w.Details))
	for k, v := range w.Details {
		d[k] = v
	}
	d["roles"] = wamp.Dict{"broker": wamp.Dict{}, "dealer": wamp.Dict{}}
	return &wamp.Welcome{Session: w.Session, Details: d}
}

// compact reports whether w is compactWelcome's.
func compact(w *wamp.Welcome) bool {
	roles, _ := w.Details["roles"].(wamp.Dict)
	b, _ := roles["broker"].(wamp.Dict)
	return len(b) == 0
}

// replyInstead queues instead, what replaces a message s's transport on
// the event loop refused as too large, as reply does; a transport that
// refuses even that ends the session.
func (rm *realm) replyInstead(s *session, instead wamp.Message) {
	switch s.q.push(instead, messageSize(instead), limitHard) {
	case overLimit:
		rm.condemn(s, "outbound queue over its hard limit")
	case tooLarge:
		rm.log.Info("wamp/router: the transport's message size limit is too small for an ERROR", "session", s.id)
		if s.closeQueue(nil, true) {
			rm.doomed = append(rm.doomed, s)
		}
	}
}

// sendTooLarge is the goroutine writer's when the transport refused m as
// too large: it lets the realm answer for it, sends what replaces it, and
// returns a write's error (the session then ends) or nil. refused is the
// transport's error, returned for messages nothing answers for.
func (s *session) sendTooLarge(ctx context.Context, m wamp.Message, refused error) error {
	if !sizeAnswered(m) {
		return refused
	}
	s.mu.Lock()
	rm, _ := s.rs.(*realm)
	s.mu.Unlock()
	if rm == nil {
		return refused
	}
	rm.lock()
	if s.removed {
		rm.unlock()
		return nil // leaving: its calls are answered (or were its own)
	}
	instead, ended := rm.undeliverable(s, m)
	rm.unlock()
	g := s.onGo()
	if ended {
		// The call's final answer is queued behind m: it goes as
		// payload_size_exceeded (loseLater).
		r := m.(*wamp.Result)
		if g.lost == nil {
			g.lost = map[wamp.ID]bool{}
		}
		g.lost[r.Request] = true
	}
	if instead == nil {
		return nil
	}
	return g.t.Send(ctx, instead)
}

// lostAnswer returns m, or payload_size_exceeded in its place when m is
// the final RESULT of a call whose progressive result the transport
// refused after the call had ended (sendTooLarge). The writer's.
func (g *goOut) lostAnswer(m wamp.Message) wamp.Message {
	switch r := m.(type) {
	case *wamp.Result:
		if p, _ := r.Details["progress"].(bool); !p && g.lost[r.Request] {
			delete(g.lost, r.Request)
			return payloadSizeError(r.Request)
		}
	case *wamp.Error:
		if r.RequestType == wamp.TypeCall {
			delete(g.lost, r.Request) // an ERROR ends the call as it is
		}
	}
	return m
}
