package router_test

import (
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// reviewAuthzConfig is a realm whose anonymous sessions may call and
// register everything but (when denySecret) "secret".
func reviewAuthzConfig(denyProc wamp.URI) router.Config {
	perms := []router.Permission{{URI: "", Match: wamp.MatchPrefix, Allow: router.Allow{Call: true, Register: true}}}
	if denyProc != "" {
		perms = append(perms, router.Permission{URI: denyProc, Match: wamp.MatchExact, Allow: router.Allow{Register: true}})
	}
	return router.Config{Realms: []router.RealmConfig{{Name: realm1, AllowAnonymous: true, AnonymousRole: "user",
		Roles: []router.RoleConfig{{Name: "user", Permissions: perms}}}}}
}

// A progressive call invocation whose first CALL is not authorized gets
// one ERROR, as one refused for any other reason does: the parts that
// follow it (the caller sent them before it had the ERROR) are discarded,
// not answered with an ERROR each.
func TestReviewProgressiveCallDeniedOneError(t *testing.T) {
	r := newRouter(t, func(c *router.Config) { *c = reviewAuthzConfig("secret") })
	caller, _ := rawJoinAs(t, r, progressiveCaller)
	caller.send(&wamp.Call{Request: 7, Options: wamp.Dict{"progress": true}, Procedure: "secret", Args: wamp.List{int64(0)}})
	caller.send(&wamp.Call{Request: 7, Options: wamp.Dict{"progress": true}, Procedure: "secret", Args: wamp.List{int64(1)}})
	caller.send(&wamp.Call{Request: 7, Options: wamp.Dict{}, Procedure: "secret", Args: wamp.List{int64(2)}})
	caller.expectError(7, wamp.ErrNotAuthorized)
	caller.quiet(8) // the next message is the answer to 8: no second ERROR for 7
}

// A progressive call invocation authorized on its first CALL goes on when
// the authorization changes mid-stream (Router.Reload): its later parts
// belong to a call that was allowed, and the caller gets exactly one final
// answer, the callee's, not an ERROR for the part and then the RESULT.
func TestReviewProgressiveCallReloadMidStream(t *testing.T) {
	r := newRouter(t, func(c *router.Config) { *c = reviewAuthzConfig("") })
	callee, _ := rawJoinAs(t, r, progressiveCallee)
	callee.register(1, "upload", nil)
	caller, _ := rawJoinAs(t, r, progressiveCaller)
	caller.send(&wamp.Call{Request: 7, Options: wamp.Dict{"progress": true}, Procedure: "upload", Args: wamp.List{int64(0)}})
	first := callee.expectInvocation()
	if err := r.Reload(reviewAuthzConfig("upload")); err != nil {
		t.Fatal(err)
	}
	caller.send(&wamp.Call{Request: 7, Options: wamp.Dict{}, Procedure: "upload", Args: wamp.List{int64(1)}})
	if last := callee.expectInvocation(); last.Request != first.Request || last.Args[0] != int64(1) {
		t.Fatalf("callee got %+v, want the stream's last part", last)
	}
	callee.send(&wamp.Yield{Request: first.Request, Options: wamp.Dict{}, Args: wamp.List{"done"}})
	m := caller.recv()
	if res, ok := m.(*wamp.Result); !ok || res.Request != 7 {
		t.Fatalf("caller got %T %v, want the RESULT of 7 as its one answer", m, m)
	}
	caller.quiet(8)
}

// A CALL that reuses the request ID of the caller's pending call breaks
// the protocol whatever it calls: a denied procedure does not get an
// ERROR for that ID (which the caller would take for its pending call's
// answer, and then get the real one too).
func TestReviewDeniedCallReusesPendingID(t *testing.T) {
	r := newRouter(t, func(c *router.Config) { *c = reviewAuthzConfig("secret") })
	callee, _ := rawJoinAs(t, r, plainPeer)
	callee.register(1, "slow", nil)
	caller, _ := rawJoinAs(t, r, plainPeer)
	caller.send(&wamp.Call{Request: 5, Options: wamp.Dict{}, Procedure: "slow"})
	callee.expectInvocation()
	caller.send(&wamp.Call{Request: 5, Options: wamp.Dict{}, Procedure: "secret"})
	if m := caller.recv(); m.Type() != wamp.TypeAbort || m.(*wamp.Abort).Reason != wamp.ErrProtocolViolationURI {
		t.Fatalf("caller got %T %v, want ABORT protocol_violation", m, m)
	}
}
