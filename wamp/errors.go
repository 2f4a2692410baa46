package wamp

import (
	"errors"
	"fmt"
)

// ErrProtocolViolation matches (errors.Is) every error FromList returns for
// a malformed message; a peer answers it with ABORT wamp.error.protocol_violation.
var ErrProtocolViolation = errors.New("wamp: protocol violation")

// ProtocolError describes what was wrong with a message. It matches
// ErrProtocolViolation.
type ProtocolError struct {
	Msg string // e.g. "PUBLISH.Options.acknowledge: want bool"
}

// Error returns what was wrong with the message.
func (e *ProtocolError) Error() string { return "wamp: protocol violation: " + e.Msg }

// Is reports whether target is ErrProtocolViolation.
func (e *ProtocolError) Is(target error) bool { return target == ErrProtocolViolation }

func violation(format string, args ...any) error {
	return &ProtocolError{Msg: fmt.Sprintf(format, args...)}
}

// Standard error and close reason URIs (WAMP spec, "Predefined URIs").
const (
	ErrInvalidURI                 URI = "wamp.error.invalid_uri"
	ErrNoSuchProcedure            URI = "wamp.error.no_such_procedure"
	ErrProcedureAlreadyExists     URI = "wamp.error.procedure_already_exists"
	ErrNoSuchRegistration         URI = "wamp.error.no_such_registration"
	ErrNoSuchSubscription         URI = "wamp.error.no_such_subscription"
	ErrInvalidArgument            URI = "wamp.error.invalid_argument"
	ErrSystemShutdown             URI = "wamp.close.system_shutdown"
	ErrCloseRealm                 URI = "wamp.close.close_realm"
	ErrGoodbyeAndOut              URI = "wamp.close.goodbye_and_out"
	ErrCloseNormal                URI = "wamp.close.normal"
	ErrProtocolViolationURI       URI = "wamp.error.protocol_violation"
	ErrNotAuthorized              URI = "wamp.error.not_authorized"
	ErrAuthorizationFailed        URI = "wamp.error.authorization_failed"
	ErrAuthenticationFailed       URI = "wamp.error.authentication_failed"
	ErrNoAuthMethod               URI = "wamp.error.no_auth_method"
	ErrNoSuchRealm                URI = "wamp.error.no_such_realm"
	ErrNoSuchRole                 URI = "wamp.error.no_such_role"
	ErrNoSuchPrincipal            URI = "wamp.error.no_such_principal"
	ErrCanceled                   URI = "wamp.error.canceled"
	ErrTimeout                    URI = "wamp.error.timeout"
	ErrOptionNotAllowed           URI = "wamp.error.option_not_allowed"
	ErrNoEligibleCallee           URI = "wamp.error.no_eligible_callee"
	ErrOptionDisallowedDiscloseMe URI = "wamp.error.option_disallowed.disclose_me"
	ErrNetworkFailure             URI = "wamp.error.network_failure"
	ErrUnavailable                URI = "wamp.error.unavailable"
	ErrNoAvailableCallee          URI = "wamp.error.no_available_callee"
	ErrFeatureNotSupported        URI = "wamp.error.feature_not_supported"
	ErrPayloadSizeExceeded        URI = "wamp.error.payload_size_exceeded"
)
