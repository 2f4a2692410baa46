package client

import (
	"context"
	"errors"
	"math"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
)

// Callee-side call timeouts (WAMP spec, "Call Timeouts"): the session
// announces callee.features.call_timeout, and a dealer that forwards a
// call's timeout (REGISTER.Options.forward_timeout) puts the milliseconds
// left into INVOCATION.Details.timeout instead of timing the call itself.
// The handler's ctx then has that deadline; a handler that gives up when
// it passes (returning ctx.Err() or any error other than an *Error) is
// answered with ERROR wamp.error.timeout, which reaches the caller.

// invocationContext returns the context of an invocation's handler: with
// the deadline of INVOCATION.Details.timeout when it is a positive
// integer, else without one.
func invocationContext(details wamp.Dict) (context.Context, context.CancelFunc) {
	if ms, ok := wamp.AsInt64(details["timeout"]); ok && ms > 0 && ms <= math.MaxInt64/int64(time.Millisecond) {
		return context.WithTimeout(context.Background(), time.Duration(ms)*time.Millisecond)
	}
	return context.WithCancel(context.Background())
}

// timedOut reports whether the handler's error is its deadline passing:
// ctx's deadline has passed and the handler did not answer with an
// *Error of its own.
func timedOut(ctx context.Context, err error) bool {
	var we *Error
	return errors.Is(ctx.Err(), context.DeadlineExceeded) && !errors.As(err, &we)
}

// timeoutError is the callee's answer to an invocation whose forwarded
// timeout passed.
func timeoutError(m *wamp.Invocation) *wamp.Error {
	ms, _ := wamp.AsInt64(m.Details["timeout"])
	return &wamp.Error{RequestType: wamp.TypeInvocation, Request: m.Request, Details: wamp.Dict{}, Error: wamp.ErrTimeout,
		Args: wamp.List{"the call's timeout (" + time.Duration(ms*int64(time.Millisecond)).String() + ") passed in the callee"}}
}
