package router

import (
	"context"
	"errors"
	"maps"
	"unicode/utf8"

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
//   - a WELCOME goes without the roles' features (compactWelcome);
//   - the closing ABORT or GOODBYE goes with its Details.message cut
//     until it fits, or without it (sendFinal): the reason URI arrives.
//
// Any other message too large (a CHALLENGE, an ERROR to a REGISTER or
// SUBSCRIBE, a compact WELCOME still too large) ends the session as a
// failed write does.
//
// Messages the peer's serializer cannot encode are answered for the same
// way: a value its serialization has no form for (a NaN or an infinity,
// which MessagePack and CBOR carry and JSON does not, from a MessagePack
// or CBOR peer to a JSON one; a string starting with NUL, JSON's binary
// marker; a string that is not UTF-8, from an in-process session) makes
// the transport's Send refuse the message, sending nothing.
// The answer is ERROR wamp.error.invalid_argument, the spec's URI for a
// router that "performed payload validation of a call, call result, call
// error or publish, and the payload did not conform": the call, or its
// answer, cannot reach its peer as it is; the caller is told so, the peer
// that cannot take it nothing. Each such message is logged at Warn and
// counted (Stats.Unencodable): an INVOCATION goes to the next callee, else
// the caller gets that ERROR; a RESULT or call ERROR is replaced by it; a
// progressive RESULT ends the call with it (the callee gets INTERRUPT
// killnowait); an EVENT is dropped (realm.deliver encodes EVENTs for the
// transports that take encoded messages and drops most such ones there).
// Any other message ends the session as a failed write does. Which
// messages cannot be encoded is the serializer's to say: the router asks
// it again when a Send fails (session.refusal).

// answered reports whether payload_size.go answers for m when the
// transport refuses it for why (tooLarge or unencodable).
func answered(m wamp.Message, why pushResult) bool {
	switch m := m.(type) {
	case *wamp.Encoded:
		return answered(m.Message, why)
	case *wamp.Event, *wamp.Invocation, *wamp.Result:
		return true
	case *wamp.Welcome:
		return why == tooLarge && m.Details["roles"] != nil && !compact(m)
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

// refusal reports whether payload_size.go answers for m, which s's
// transport refused with err (Send on goroutines, SendNow on the event
// loop), and why: m is larger than the transport takes (tooLarge), or s's
// serializer cannot encode it (unencodable). Either way nothing was sent
// and the transport goes on. Any other failure is a failed write.
func (s *session) refusal(m wamp.Message, err error) (why pushResult, ok bool) {
	if isTooLarge(err) {
		return tooLarge, answered(m, tooLarge)
	}
	if answered(m, unencodable) && s.cannotEncode(m) {
		return unencodable, true
	}
	return pushed, false
}

// cannotEncode reports whether s's serializer fails to encode m. It is
// asked after a Send failed on m: each serializer has errors of its own,
// and this tells its refusal from a failed write whatever they are.
func (s *session) cannotEncode(m wamp.Message) bool {
	if s.enc == nil {
		return false
	}
	if e, ok := m.(*wamp.Encoded); ok {
		if e.For(s.enc) {
			return false // encoded already
		}
		m = e.Message
	}
	_, err := s.enc.AppendMessage(nil, m)
	return err != nil
}

// refusedWhy returns the ERROR URI and text for what (the call, the
// answer, ...) that the transport of s (whose: "callee" or "caller")
// refused for why.
func (s *session) refusedWhy(what, whose string, why pushResult) (wamp.URI, string) {
	if why == unencodable && s.enc == nil { // a RemoteCallee's: the fabric refused it (ErrFabricUnencodable)
		return wamp.ErrInvalidArgument, what + " cannot be encoded for the fabric to the " + whose + "'s router: a value in it has no form there"
	}
	if why == unencodable {
		return wamp.ErrInvalidArgument, what + " cannot be encoded in the " + whose + "'s serialization (" + s.enc.Name() +
			"): a value in it has no form there"
	}
	return wamp.ErrPayloadSizeExceeded, what + " is larger than the " + whose + "'s transport takes"
}

// refusedAnswer is the ERROR that replaces an answer to call request req
// that s, the caller, cannot be sent for why.
func (s *session) refusedAnswer(req wamp.ID, why pushResult) *wamp.Error {
	uri, text := s.refusedWhy("the answer", "caller", why)
	return &wamp.Error{RequestType: wamp.TypeCall, Request: req, Details: wamp.Dict{}, Error: uri, Args: wamp.List{text}}
}

// refusedCall returns the ERROR for a call no callee took when some
// refused its INVOCATION (inv.refused); uri is empty when none did (they
// were over their queue limits or gone).
func (inv *invocation) refusedCall() (uri wamp.URI, why string) {
	switch inv.refused {
	case tooLarge:
		return wamp.ErrPayloadSizeExceeded, "the call is larger than the transports of the callees of " + echo(inv.reg.uri) + " take"
	case unencodable:
		return wamp.ErrInvalidArgument, "the call cannot be encoded for the callees of " + echo(inv.reg.uri) +
			": a value in it has no form in their serialization (JSON has no NaN or infinity; strings must be UTF-8)"
	}
	return "", ""
}

// invocationRefused notes that callee s's transport refused inv's
// INVOCATION for why: it is logged (and counted when unencodable), and
// inv remembers why for its caller's answer when no other callee takes
// the call (refusedCall).
func (rm *realm) invocationRefused(s *session, inv *invocation, why pushResult) {
	inv.refused = why
	if why == unencodable {
		rm.r.stats.unencodable.Add(1)
		serializer := "fabric" // a RemoteCallee's: the fabric refused it (ErrFabricUnencodable)
		if s.enc != nil {
			serializer = s.enc.Name()
		}
		rm.log.Warn("wamp/router: INVOCATION not sent: the callee's serializer cannot encode it", "session", s.id,
			"procedure", inv.reg.uri, "serializer", serializer)
		return
	}
	rm.log.Info("wamp/router: INVOCATION larger than the callee's transport takes", "session", s.id, "procedure", inv.reg.uri)
}

// undeliverable handles m, a message for s that its transport refused for
// why (answered(m, why)), and returns what to send s in its place (nil:
// nothing). progressEnded is set when m is a progressive RESULT of a call
// that has ended already: its final answer is on its way to s. The
// realm's lock is held.
func (rm *realm) undeliverable(s *session, m wamp.Message, why pushResult) (instead wamp.Message, progressEnded bool) {
	switch m := m.(type) {
	case *wamp.Encoded:
		return rm.undeliverable(s, m.Message, why)
	case *wamp.Event:
		n := s.dropped.Add(1)
		rm.r.stats.dropped.Add(1)
		if why == unencodable {
			rm.r.stats.unencodable.Add(1)
			rm.log.Warn("wamp/router: event dropped: the subscriber's serializer cannot encode it", "session", s.id,
				"subscription", m.Subscription, "serializer", s.enc.Name(), "dropped_total", n)
			break
		}
		rm.log.Warn("wamp/router: event dropped: larger than the subscriber's transport takes", "session", s.id,
			"subscription", m.Subscription, "dropped_total", n)
	case *wamp.Invocation:
		if inv := s.invs[m.Request]; inv != nil && !inv.done {
			rm.invocationRefused(s, inv, why)
			if !rm.reroute(inv) {
				uri, text := s.refusedWhy("the call", "callee", why)
				rm.abortCall(inv, uri, inv.progressed, text)
			}
		}
	case *wamp.Result:
		rm.answerRefused(s, m, why)
		if p, _ := m.Details["progress"].(bool); p {
			inv := s.calls[m.Request]
			if inv == nil {
				return nil, true
			}
			uri, text := s.refusedWhy("a progressive result", "caller", why)
			rm.abortCall(inv, uri, true, text)
			return nil, false
		}
		return s.refusedAnswer(m.Request, why), false
	case *wamp.Error:
		rm.answerRefused(s, m, why)
		return s.refusedAnswer(m.Request, why), false
	case *wamp.Welcome:
		return compactWelcome(m), false
	}
	return nil, false
}

// answerRefused logs (and counts when unencodable) a RESULT or call ERROR
// for s that its transport refused for why.
func (rm *realm) answerRefused(s *session, m wamp.Message, why pushResult) {
	if why == unencodable {
		rm.r.stats.unencodable.Add(1)
		rm.log.Warn("wamp/router: answer not sent: the caller's serializer cannot encode it", "session", s.id,
			"message", m.Type().String(), "serializer", s.enc.Name())
		return
	}
	rm.log.Info("wamp/router: "+m.Type().String()+" larger than the caller's transport takes", "session", s.id)
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
// the event loop refused (too large, or not encodable), as reply does; a transport that
// refuses even that ends the session.
func (rm *realm) replyInstead(s *session, instead wamp.Message) {
	switch s.q.push(instead, messageSize(instead), limitHard) {
	case overLimit:
		rm.condemn(s, "outbound queue over its hard limit")
	case tooLarge, unencodable:
		rm.log.Info("wamp/router: the transport refused an ERROR", "session", s.id)
		if s.closeQueue(nil, true) {
			rm.doomed = append(rm.doomed, s)
		}
	}
}

// sendRefused is the goroutine writer's when the transport's Send failed
// on m with err: when the transport refused m (refusal) it lets the realm
// answer for it, sends what replaces it, and returns that write's error
// (the session then ends) or nil; otherwise it returns err.
func (s *session) sendRefused(ctx context.Context, m wamp.Message, err error) error {
	why, ok := s.refusal(m, err)
	if !ok {
		return err
	}
	s.mu.Lock()
	rm, _ := s.rs.(*realm)
	s.mu.Unlock()
	if rm == nil {
		return err
	}
	rm.lock()
	if s.removed {
		rm.unlock()
		return nil // leaving: its calls are answered (or were its own)
	}
	instead, ended := rm.undeliverable(s, m, why)
	rm.unlock()
	g := s.onGo()
	if ended {
		// The call's final answer is queued behind m: it goes as the
		// ERROR that replaces m (lostAnswer).
		r := m.(*wamp.Result)
		if g.lost == nil {
			g.lost = map[wamp.ID]pushResult{}
		}
		g.lost[r.Request] = why
	}
	if instead == nil {
		return nil
	}
	return g.t.Send(ctx, instead)
}

// lostAnswer returns m, or the ERROR that replaces it when m is the final
// RESULT of a call whose progressive result the transport refused after
// the call had ended (sendRefused). The writer's.
func (s *session) lostAnswer(m wamp.Message) wamp.Message {
	g := s.onGo()
	switch r := m.(type) {
	case *wamp.Result:
		if why, lost := g.lost[r.Request]; lost {
			if p, _ := r.Details["progress"].(bool); !p {
				delete(g.lost, r.Request)
				return s.refusedAnswer(r.Request, why)
			}
		}
	case *wamp.Error:
		if r.RequestType == wamp.TypeCall {
			delete(g.lost, r.Request) // an ERROR ends the call as it is
		}
	}
	return m
}

// sendFinal sends final, a session's closing ABORT or GOODBYE, with send.
// When the peer's transport refuses it as too large (a RawSocket client
// may take messages of 512 octets only, less than a reason and its
// message of up to 1024 octets need), the message in its Details is cut
// by half, on a character boundary, and then dropped with the rest of
// the Details, until it fits: the client still learns the reason URI.
func sendFinal(final wamp.Message, send func(wamp.Message) error) error {
	for {
		err := send(final)
		if err == nil || !isTooLarge(err) {
			return err
		}
		if final = shorterFinal(final); final == nil {
			return err
		}
	}
}

// shorterFinal returns final (an ABORT or GOODBYE) with less in its
// Details, or nil when there is nothing left to take out.
func shorterFinal(final wamp.Message) wamp.Message {
	var details wamp.Dict
	switch m := final.(type) {
	case *wamp.Abort:
		details = m.Details
	case *wamp.Goodbye:
		details = m.Details
	default:
		return nil
	}
	if len(details) == 0 {
		return nil
	}
	d := wamp.Dict{}
	if msg, _ := details["message"].(string); len(msg) > 1 {
		n := len(msg) / 2
		for n > 0 && !utf8.RuneStart(msg[n]) {
			n-- // not in the middle of a character
		}
		d = maps.Clone(details)
		d["message"] = msg[:n]
	}
	switch m := final.(type) {
	case *wamp.Abort:
		return &wamp.Abort{Details: d, Reason: m.Reason}
	case *wamp.Goodbye:
		return &wamp.Goodbye{Details: d, Reason: m.Reason}
	}
	return nil
}
