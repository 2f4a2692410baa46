package router_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// A panic in a user's Authenticator or Authorizer refuses that one HELLO
// (ABORT wamp.error.authentication_failed) or that one action
// (wamp.error.authorization_failed), is logged with its stack and counted
// in Stats.Panics; the router and its other sessions go on. Nothing
// recovered it: one bad decision crashed the router process.
func TestReview15bUserCodePanic(t *testing.T) {
	var logs logBuffer
	r := newRouter(t, func(c *router.Config) {
		c.Logger = logs.logger()
		c.Realms = []router.RealmConfig{{Name: realm1, AllowAnonymous: true,
			Authenticators: map[string]router.Authenticator{
				"ticket": router.AuthenticatorFunc(func(_ context.Context, req *router.AuthRequest) (*router.Principal, error) {
					if req.Ticket == "boom" {
						panic("authenticator bug")
					}
					return &router.Principal{AuthRole: "user"}, nil
				}),
			},
			Roles: []router.RoleConfig{
				{Name: "user", Permissions: []router.Permission{{URI: "", Match: wamp.MatchPrefix,
					Allow: router.Allow{Call: true, Register: true, Publish: true, Subscribe: true}}}},
				{Name: "anonymous", Authorizer: router.AuthorizerFunc(func(req *router.AuthorizeRequest) (router.Decision, error) {
					if req.URI == "boom" {
						panic(errors.New("authorizer bug"))
					}
					return router.Decision{Allow: true}, nil
				})},
			}}}
	})
	_, err := joinWith(t, r, realm1, "alice", &client.Ticket{Ticket: "boom"})
	wantAbort(t, err, wamp.ErrAuthenticationFailed)
	if n := r.Stats().Panics; n != 1 {
		t.Fatalf("Stats.Panics = %d after the authenticator's panic, want 1", n)
	}
	alice, err := joinWith(t, r, realm1, "alice", &client.Ticket{Ticket: "fine"})
	wantWelcome(t, alice, err, "alice", "user", "ticket", "dynamic")

	anon := join(t, r)
	ctx := ctxT(t)
	if _, err := anon.Call(ctx, "boom", nil, nil, nil); !isWampError(err, wamp.ErrAuthorizationFailed) {
		t.Fatalf("call denied by a panicking authorizer: %v, want %s", err, wamp.ErrAuthorizationFailed)
	}
	if n := r.Stats().Panics; n != 2 {
		t.Fatalf("Stats.Panics = %d after the authorizer's panic, want 2", n)
	}
	// The session that asked goes on, as does everyone else.
	if _, err := anon.Call(ctx, "other", nil, nil, nil); !isWampError(err, wamp.ErrNoSuchProcedure) {
		t.Fatalf("next call of the same session: %v", err)
	}
	if _, err := alice.Call(ctx, "other", nil, nil, nil); !isWampError(err, wamp.ErrNoSuchProcedure) {
		t.Fatalf("call of another session: %v", err)
	}
	for _, want := range []string{"panic in authenticator", "authenticator bug", "panic in authorizer", "authorizer bug", "goroutine "} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs.String())
		}
	}
}

// With Config.PanicCrash an Authenticator's panic crashes the process, as
// an unrecovered panic does (for debugging): run in a child process.
func TestReview15bPanicCrash(t *testing.T) {
	if os.Getenv("REVIEW15B_PANIC_CHILD") == "1" {
		r, err := router.New(router.Config{PanicCrash: true, Realms: []router.RealmConfig{{Name: realm1,
			Authenticators: map[string]router.Authenticator{
				"ticket": router.AuthenticatorFunc(func(context.Context, *router.AuthRequest) (*router.Principal, error) {
					panic("crash as asked")
				}),
			}}}})
		if err != nil {
			t.Fatal(err)
		}
		_, _ = client.Join(ctxT(t), r.Connect(), realm1, client.JoinOptions{AuthID: "alice",
			Authenticators: []client.Authenticator{&client.Ticket{Ticket: "t"}}})
		t.Fatal("the join ended and the process lives")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestReview15bPanicCrash$", "-test.count=1")
	cmd.Env = append(os.Environ(), "REVIEW15B_PANIC_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "panic: crash as asked") {
		t.Fatalf("child: %v\n%s", err, out)
	}
}
