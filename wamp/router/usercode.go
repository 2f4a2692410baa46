package router

import (
	"context"
	"fmt"
	"runtime/debug"
)

// errUserPanic is the error a recovered panic of user code becomes.
type errUserPanic struct{ v any }

func (e errUserPanic) Error() string { return fmt.Sprintf("panic: %v", e.v) }

// recoverUser, deferred around a call of user code (an Authenticator, an
// Authorizer), turns its panic into *err (errUserPanic), logged with the
// stack and counted in Stats.Panics, unless Config.PanicCrash.
func (r *Router) recoverUser(what string, err *error) {
	if r.cfg.PanicCrash {
		return
	}
	v := recover()
	if v == nil {
		return
	}
	r.stats.panics.Add(1)
	r.log.Error("wamp/router: panic in "+what, "panic", v, "stack", string(debug.Stack()))
	*err = errUserPanic{v}
}

// authenticate calls a, recovering its panic.
func (r *Router) authenticate(ctx context.Context, a Authenticator, req *AuthRequest) (p *Principal, err error) {
	defer r.recoverUser("authenticator", &err)
	return a.Authenticate(ctx, req)
}

// authorizeUser calls a, recovering its panic.
func (r *Router) authorizeUser(a Authorizer, req *AuthorizeRequest) (d Decision, err error) {
	defer r.recoverUser("authorizer", &err)
	return a.Authorize(req)
}
