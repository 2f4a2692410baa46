package router_test

import (
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// The hello timeout bounds the whole opening, challenge included: a
// client that gets CHALLENGE and never answers it is aborted with
// wamp.error.timeout, and an AUTHENTICATE that comes after that is not
// welcomed.
func TestReview14bChallengeDeadline(t *testing.T) {
	r := newRouter(t, func(c *router.Config) {
		c.HelloTimeout = 50 * time.Millisecond
		c.Realms[0].Tickets = map[string]router.TicketPrincipal{"ann": {Ticket: "t", Role: "staff"}}
	})
	c := rawConn(t, r)
	c.send(&wamp.Hello{Realm: realm1, Details: wamp.Dict{"roles": helloDetails["roles"], "authid": "ann", "authmethods": []any{"ticket"}}})
	if m, ok := c.recv().(*wamp.Challenge); !ok {
		t.Fatalf("got %v, want CHALLENGE", m)
	}
	a, ok := c.recv().(*wamp.Abort)
	if !ok || a.Reason != wamp.ErrTimeout {
		t.Fatalf("got %v, want ABORT %s", a, wamp.ErrTimeout)
	}
	_ = c.tr.Send(ctxT(t), &wamp.Authenticate{Signature: "t", Extra: wamp.Dict{}}) // may fail: the transport is closing
	if _, err := c.tr.Recv(ctxT(t)); err == nil {
		t.Fatal("a message after the ABORT")
	}
	if n := r.SessionCount(realm1); n != 0 {
		t.Fatalf("%d sessions joined", n)
	}
}
