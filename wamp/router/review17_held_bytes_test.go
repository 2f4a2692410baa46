package router_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// What a session sends while a dynamic authorizer (ProcedureAuthorizer)
// decides on one of its messages is held for after the decision, at most
// 1,024 messages and, now, at most the realm's outbound hard limit (twice
// QueueSoftLimit) of their estimated size: past it the session is closed
// for a protocol violation, as past the count. Before, the count alone
// bounded it: 1,024 messages of a WebSocket's default 16 MiB each, 16 GiB
// for one session for as long as the authorizer took (up to
// HelloTimeout).
func TestReview17HeldMessagesBytesBounded(t *testing.T) {
	asked := make(chan struct{}, 1)
	release := make(chan struct{})
	r := newRouter(t, func(c *router.Config) {
		c.HelloTimeout = 3 * time.Second // without the bound: the decision fails then, and the calls are answered
		c.Realms = append(c.Realms, router.RealmConfig{
			Name: "guarded", AllowAnonymous: true, AnonymousRole: "user", QueueSoftLimit: 64 << 10,
			Roles: []router.RoleConfig{{Name: "user", Authorizer: &router.ProcedureAuthorizer{Procedure: "com.example.authorize", Realm: realm1}}},
		})
	})
	authorizer := join(t, r)
	_, err := authorizer.Register(ctxT(t), "com.example.authorize", func(ctx context.Context, _ *client.Invocation) (*client.Result, error) {
		select {
		case asked <- struct{}{}:
		default:
		}
		select {
		case <-release:
		case <-ctx.Done():
		}
		return &client.Result{Args: wamp.List{true}}, nil
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { close(release) })

	c := rawConn(t, r)
	c.send(&wamp.Hello{Realm: "guarded", Details: helloDetails})
	if m, ok := c.recv().(*wamp.Welcome); !ok {
		t.Fatalf("got %v, want WELCOME", m)
	}
	c.send(&wamp.Call{Request: 1, Options: wamp.Dict{}, Procedure: "com.example.p"})
	<-asked
	big := strings.Repeat("x", 40<<10)
	for i := range 4 { // 160 KiB held, past 128 KiB
		c.send(&wamp.Call{Request: wamp.ID(2 + i), Options: wamp.Dict{}, Procedure: "com.example.p", Args: wamp.List{big}})
	}
	m := c.recv()
	if a, ok := m.(*wamp.Abort); !ok || a.Reason != wamp.ErrProtocolViolationURI {
		t.Fatalf("got %s %v, want ABORT %s", m.Type(), m, wamp.ErrProtocolViolationURI)
	}
}
