package client

import (
	"errors"
	"fmt"

	"github.com/autobahn-go/autobahn/wamp"
)

var (
	// ErrSessionClosed is returned by calls on a session that has ended.
	ErrSessionClosed = errors.New("wamp/client: session closed")
	// ErrNoAuthenticator: the router challenged with a method we did not offer.
	ErrNoAuthenticator = errors.New("wamp/client: no authenticator for challenge")
	// ErrEventQueueFull ends a session (Session.Err) when more events wait
	// for their handlers, or progressive results for a call's OnProgress,
	// than JoinOptions.EventQueue allows.
	ErrEventQueueFull = errors.New("wamp/client: event queue full: event handlers too slow")
)

// Error is a WAMP ERROR returned by a peer (or by a Handler, to send one).
type Error struct {
	URI     wamp.URI
	Args    wamp.List
	Kwargs  wamp.Dict
	Details wamp.Dict
}

// Error returns the error URI and, when the first argument is a string,
// that message.
func (e *Error) Error() string {
	if len(e.Args) > 0 {
		if s, ok := e.Args[0].(string); ok {
			return fmt.Sprintf("wamp: %s: %s", e.URI, s)
		}
	}
	return "wamp: " + string(e.URI)
}

// Is matches another *Error with the same URI.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.URI == e.URI
}

// AbortError is returned by Join when the router answers with ABORT.
type AbortError struct {
	Reason  wamp.URI
	Details wamp.Dict
}

// Error returns the ABORT reason and its message detail, if any.
func (e *AbortError) Error() string {
	if msg, ok := e.Details["message"].(string); ok {
		return fmt.Sprintf("wamp: join aborted: %s: %s", e.Reason, msg)
	}
	return "wamp: join aborted: " + string(e.Reason)
}

// GoodbyeError is the end of a session the router closed with GOODBYE, as
// reported by Session.Err.
type GoodbyeError struct {
	Reason  wamp.URI
	Details wamp.Dict
}

// Error returns the GOODBYE reason.
func (e *GoodbyeError) Error() string { return "wamp: session closed by router: " + string(e.Reason) }
