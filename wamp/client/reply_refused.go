package client

import (
	"errors"
	"strings"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/transport/rawsocket"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
)

// A handler's answer the transport refuses, sending nothing, would leave
// the caller waiting for ever (or for its timeout): a value in it has no
// form in the session's serialization (JSON has no NaN, no string that is
// not UTF-8; no serializer takes a Go struct), or it is larger than the
// router takes (a RawSocket router's maximum message length). The session
// answers the invocation instead, as a router answers for a message it
// cannot deliver: ERROR wamp.error.payload_size_exceeded when it was too
// large, else wamp.error.invalid_argument (the spec's URI for a payload
// that does not conform). A transport that fails that too has failed as
// a connection; its error is logged.

// replyRefused answers invocation req, whose reply (a YIELD, a
// progressive one, or an ERROR) the transport refused with err.
func (s *Session) replyRefused(req wamp.ID, reply wamp.Message, err error) {
	uri, text := wamp.ErrInvalidArgument, "the callee's "+reply.Type().String()+" cannot be encoded in the session's serialization"
	if errors.Is(err, websocket.ErrMessageTooLarge) || errors.Is(err, rawsocket.ErrMessageTooLarge) {
		uri, text = wamp.ErrPayloadSizeExceeded, "the callee's "+reply.Type().String()+" is larger than its transport takes"
	}
	e := &wamp.Error{RequestType: wamp.TypeInvocation, Request: req, Details: wamp.Dict{}, Error: uri,
		Args: wamp.List{text + ": " + strings.ToValidUTF8(err.Error(), "\uFFFD")}}
	switch err2 := s.send(s.ctx, e); {
	case err2 == nil:
		s.log.Warn("wamp/client: invocation reply not sent, answered with "+string(uri),
			"request", req, "message", reply.Type().String(), "err", err)
	case !errors.Is(err2, ErrSessionClosed):
		s.log.Warn("wamp/client: sending invocation reply", "request", req, "err", err, "then", err2)
	}
}

// progressRefused answers inv, whose progressive YIELD the transport
// refused with err: the call ends with that ERROR (a caller cannot be
// given a stream with a part missing), the handler's ctx is canceled and
// its return is not sent.
func (s *Session) progressRefused(inv *Invocation, part *wamp.Yield, err error) {
	s.mu.Lock()
	ri := s.invocations[inv.Request]
	if ri == nil || &ri.Invocation != inv || ri.answered || ri.interrupted != "" {
		s.mu.Unlock()
		return // answered, or the call has ended
	}
	ri.answered = true
	ri.cancel()
	s.mu.Unlock()
	s.replyRefused(inv.Request, part, err)
}
