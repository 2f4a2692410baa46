package router_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// A realm that has its maximum of sessions refuses a HELLO (ABORT
// wamp.error.realm_full) before authenticating it, and an AUTHENTICATE
// that comes once the realm has filled since its CHALLENGE, before the
// authenticator checks the ticket. Before, the check ran only at join,
// after authentication: every HELLO to a full realm still cost a call of
// its dynamic Authenticator (or a SCRAM key derivation), and a CHALLENGE
// round trip, to be refused in the end. Once a session leaves, the next
// client is authenticated and joins.
func TestReview18FullRealmSkipsAuthentication(t *testing.T) {
	var calls atomic.Int32
	authenticator := router.AuthenticatorFunc(func(_ context.Context, req *router.AuthRequest) (*router.Principal, error) {
		calls.Add(1)
		return &router.Principal{AuthRole: "user", CRA: &router.CRAPrincipal{Secret: "s"}}, nil
	})
	r := newRouter(t, func(c *router.Config) {
		c.Realms[0].MaxSessions = 1
		c.Realms[0].Authenticators = map[string]router.Authenticator{"ticket": authenticator, "wampcra": authenticator}
	})
	hello := func(method string) *raw {
		c := rawConn(t, r)
		c.send(&wamp.Hello{Realm: realm1, Details: wamp.Dict{"roles": helloDetails["roles"], "authmethods": wamp.List{method}, "authid": "joe"}})
		return c
	}
	expectFull := func(c *raw, what string) {
		t.Helper()
		if m := c.recv(); m.Type() != wamp.TypeAbort || m.(*wamp.Abort).Reason != router.ReasonRealmFull {
			t.Fatalf("%s to a full realm: got %v, want ABORT %s", what, m, router.ReasonRealmFull)
		}
		if n := calls.Load(); n != 0 {
			t.Fatalf("%s to a full realm: the authenticator ran %d times, want none", what, n)
		}
	}

	early := hello("ticket") // challenged while there is room
	if m := early.recv(); m.Type() != wamp.TypeChallenge {
		t.Fatalf("HELLO (ticket): got %v, want CHALLENGE", m)
	}
	first := rawConn(t, r)
	first.join() // the realm is full
	early.send(&wamp.Authenticate{Signature: "ticket", Extra: wamp.Dict{}})
	expectFull(early, "AUTHENTICATE")
	expectFull(hello("wampcra"), "HELLO (wampcra)")
	expectFull(hello("ticket"), "HELLO (ticket)")

	first.send(&wamp.Goodbye{Details: wamp.Dict{}, Reason: wamp.ErrCloseNormal})
	if m := first.recv(); m.Type() != wamp.TypeGoodbye {
		t.Fatalf("GOODBYE: got %v", m)
	}
	// The session that left is gone from the realm soon after its
	// GOODBYE; until then HELLOs are refused as before.
	deadline := time.Now().Add(15 * time.Second)
	for {
		c := hello("wampcra")
		m := c.recv()
		if m.Type() == wamp.TypeChallenge {
			break
		}
		if a, ok := m.(*wamp.Abort); !ok || a.Reason != router.ReasonRealmFull || time.Now().After(deadline) {
			t.Fatalf("HELLO (wampcra) once the session left: got %v, want CHALLENGE", m)
		}
		time.Sleep(time.Millisecond)
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("the authenticator ran %d times, want once", n)
	}
}
