package ws

import (
	"errors"
	"strconv"
)

// Sentinel errors; match them with errors.Is. Protocol faults are reported as
// *ProtocolError values that wrap one of these.
var (
	// ErrProtocol: the peer broke RFC 6455 framing rules (close code 1002).
	ErrProtocol = errors.New("ws: protocol error")
	// ErrInvalidUTF8: a text message or close reason is not UTF-8 (1007).
	ErrInvalidUTF8 = errors.New("ws: invalid UTF-8")
	// ErrMessageTooBig: a frame or message exceeds the configured limit (1009).
	ErrMessageTooBig = errors.New("ws: message too big")
	// ErrClosed: the connection is closed or closing; no more data flows.
	ErrClosed = errors.New("ws: connection closed")
	// ErrHandshake: the opening handshake failed; see *HandshakeError.
	ErrHandshake = errors.New("ws: handshake failed")
	// ErrPingTimeout: no pong arrived within Options.PingTimeout (the
	// CloseError.Err of a connection the keepalive dropped).
	ErrPingTimeout = errors.New("ws: ping timeout")
	// ErrBadOrigin: the Origin header is neither same-origin nor allowed.
	ErrBadOrigin = errors.New("ws: origin not allowed")
	// ErrExtension: the negotiated extension could not decode a message
	// (1007) or encode one (1011).
	ErrExtension = errors.New("ws: extension failed")
	// ErrTooManyConnections: Options.MaxConnections is reached.
	ErrTooManyConnections = errors.New("ws: too many connections")
)

// ProtocolError is a fault of the peer that fails the connection with Code.
type ProtocolError struct {
	Code   StatusCode
	Reason string
	Err    error // ErrProtocol, ErrInvalidUTF8, ErrMessageTooBig or ErrExtension
}

// Error returns Err's text, the reason and the close code.
func (e *ProtocolError) Error() string {
	return e.Err.Error() + ": " + e.Reason + " (" + e.Code.String() + ")"
}

// Unwrap returns Err, so that errors.Is matches ErrProtocol and the others.
func (e *ProtocolError) Unwrap() error { return e.Err }

func protoErr(reason string) error {
	return &ProtocolError{Code: StatusProtocolError, Reason: reason, Err: ErrProtocol}
}

func utf8Err(reason string) error {
	return &ProtocolError{Code: StatusInvalidFramePayloadData, Reason: reason, Err: ErrInvalidUTF8}
}

func tooBigErr(reason string) error {
	return &ProtocolError{Code: StatusMessageTooBig, Reason: reason, Err: ErrMessageTooBig}
}

// CloseError reports that the connection was closed, with the code and
// reason of the close handshake (StatusAbnormalClosure when the TCP
// connection dropped without one). It matches ErrClosed with errors.Is,
// and Err too.
type CloseError struct {
	Code     StatusCode
	Reason   string
	WasClean bool // both sides exchanged close frames
	// Err is, when the connection was dropped without a close handshake
	// (StatusAbnormalClosure), what dropped it, where known: ErrPingTimeout,
	// the error of the read or write that failed first, the context that
	// ended a read. Nil otherwise.
	Err error
}

// Error returns the close code and the reason (or what dropped the
// connection).
func (e *CloseError) Error() string {
	s := "ws: closed with " + e.Code.String()
	if e.Reason != "" {
		s += ": " + strconv.Quote(e.Reason)
	} else if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Is makes errors.Is(err, ErrClosed) true for every *CloseError.
func (e *CloseError) Is(target error) bool { return target == ErrClosed }

// Unwrap returns Err: errors.Is(err, ErrPingTimeout) tells a peer that
// stopped answering.
func (e *CloseError) Unwrap() error { return e.Err }

// HandshakeError is a failed opening handshake. On the server side Status is
// the HTTP status the client gets; on the client side it is the status the
// server answered (0 if the response never came or was malformed).
type HandshakeError struct {
	Status int
	Reason string
	// Client side, when the server answered but refused: its response
	// headers (canonical keys) and, from Dial, the start of its body (at
	// most MaxRefusalBody bytes; an event-loop client does not wait for
	// it), to tell why (an auth challenge, a redirect, an error page).
	Header map[string][]string
	Body   []byte
}

// MaxRefusalBody bounds the body a client keeps from a refused handshake
// (HandshakeError.Body).
const MaxRefusalBody = 4096

// Error returns the reason and the HTTP status.
func (e *HandshakeError) Error() string {
	return "ws: handshake failed: " + e.Reason + " (HTTP " + strconv.Itoa(e.Status) + ")"
}

// Is makes errors.Is(err, ErrHandshake) true for every *HandshakeError.
func (e *HandshakeError) Is(target error) bool { return target == ErrHandshake }
