package router_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// signKey is the cryptosign key the test authenticator knows.
var signKey = ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))

// otherKey is a key it does not know.
var otherKey = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{1}, ed25519.SeedSize))

// authCall is one call of the authenticator procedure as its callee saw it.
type authCall struct {
	realm, authid string
	details       wamp.Dict
}

// startAuthenticator joins realm1 of r and registers procedure there: a
// Crossbar-style dynamic authenticator for ticket and wampcra.
func startAuthenticator(t *testing.T, r *router.Router, procedure wamp.URI) <-chan authCall {
	t.Helper()
	calls := make(chan authCall, 16)
	s, err := client.Join(ctxT(t), r.Connect(), realm1, client.JoinOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	_, err = s.Register(ctxT(t), procedure, func(ctx context.Context, inv *client.Invocation) (*client.Result, error) {
		realm, _ := inv.Args[0].(string)
		authid, _ := inv.Args[1].(string)
		details, _ := inv.Args[2].(wamp.Dict)
		calls <- authCall{realm, authid, details}
		switch method, _ := details["authmethod"].(string); {
		case authid == "slow":
			<-ctx.Done() // the router gives up: INTERRUPT
			calls <- authCall{authid: "interrupted"}
			return nil, ctx.Err()
		case method == "ticket" && details["ticket"] == "dyn-"+authid:
			if authid == "plain" {
				return &client.Result{Args: wamp.List{"plainrole"}}, nil
			}
			return &client.Result{Args: wamp.List{wamp.Dict{"role": "dticket", "extra": wamp.Dict{"hello": "there"}}}}, nil
		case method == "cryptosign":
			pub := hex.EncodeToString(signKey.Public().(ed25519.PublicKey))
			if extra, _ := details["authextra"].(wamp.Dict); extra["pubkey"] != pub {
				break
			}
			return &client.Result{Args: wamp.List{wamp.Dict{"pubkey": pub, "role": "dsign", "authid": "found"}}}, nil
		case method == "wampcra":
			return &client.Result{Args: wamp.List{wamp.Dict{"secret": "s3cret", "role": "dcra", "authid": "renamed"}}}, nil
		}
		return nil, &client.Error{URI: "com.example.invalid_ticket", Args: wamp.List{"no such user"}}
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return calls
}

func dynamicRealm(name wamp.URI, procedure wamp.URI) router.RealmConfig {
	a := &router.ProcedureAuthenticator{Procedure: procedure, Realm: realm1}
	return router.RealmConfig{Name: name, Authenticators: map[string]router.Authenticator{"ticket": a, "wampcra": a, "cryptosign": a}}
}

func TestAuthProcedure(t *testing.T) {
	r := newRouter(t, func(c *router.Config) {
		c.HelloTimeout = time.Second
		c.Realms = append(c.Realms, dynamicRealm("users", "com.example.authenticate"), dynamicRealm("orphans", "com.example.nobody"))
	})
	calls := startAuthenticator(t, r, "com.example.authenticate")
	for _, tt := range []struct {
		name, authid string
		a            client.Authenticator
		wantID, role string
		fail         wamp.URI
	}{
		{"ticket", "tom", &client.Ticket{Ticket: "dyn-tom"}, "tom", "dticket", ""},
		{"ticket role only", "plain", &client.Ticket{Ticket: "dyn-plain"}, "plain", "plainrole", ""},
		{"ticket refused", "tom", &client.Ticket{Ticket: "nope"}, "", "", "com.example.invalid_ticket"},
		{"wampcra", "carl", &client.CRA{Secret: "s3cret"}, "renamed", "dcra", ""},
		{"wampcra wrong secret", "carl", &client.CRA{Secret: "other"}, "", "", wamp.ErrAuthenticationFailed},
		{"cryptosign", "", &client.Cryptosign{PrivateKey: signKey}, "found", "dsign", ""},
		{"cryptosign unknown key", "", &client.Cryptosign{PrivateKey: otherKey}, "", "", "com.example.invalid_ticket"},
		{"slow authenticator", "slow", &client.Ticket{Ticket: "dyn-slow"}, "", "", wamp.ErrTimeout},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := joinWith(t, r, "users", tt.authid, tt.a)
			c := <-calls
			if c.realm != "users" || c.authid != tt.authid || c.details["authmethod"] != tt.a.Method() {
				t.Fatalf("authenticator called with %+v", c)
			}
			if id, ok := wamp.AsID(c.details["session"]); !ok || id == 0 {
				t.Fatalf("details.session %v", c.details["session"])
			}
			if tr, _ := c.details["transport"].(wamp.Dict); tr["type"] != "memory" {
				t.Fatalf("details.transport %v", c.details["transport"])
			}
			if tt.fail != "" {
				wantAbort(t, err, tt.fail)
				if tt.authid == "slow" {
					if c := <-calls; c.authid != "interrupted" {
						t.Fatalf("after the timeout: %+v", c)
					}
				}
				return
			}
			wantWelcome(t, s, err, tt.wantID, tt.role, tt.a.Method(), "dynamic")
			if tt.name == "ticket" {
				if extra, _ := s.Details()["authextra"].(wamp.Dict); extra["hello"] != "there" {
					t.Fatalf("WELCOME.authextra %v", s.Details()["authextra"])
				}
			}
		})
	}
	t.Run("no authenticator registered", func(t *testing.T) {
		_, err := joinWith(t, r, "orphans", "tom", &client.Ticket{Ticket: "dyn-tom"})
		wantAbort(t, err, wamp.ErrAuthenticationFailed)
	})
	t.Run("authenticator leaves", func(t *testing.T) {
		called := make(chan struct{})
		a, err := client.Join(ctxT(t), r.Connect(), realm1, client.JoinOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		if _, err := a.Register(ctxT(t), "com.example.nobody", func(ctx context.Context, inv *client.Invocation) (*client.Result, error) {
			close(called)
			<-ctx.Done()
			return nil, ctx.Err()
		}, nil); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() {
			_, err := joinWith(t, r, "orphans", "tom", &client.Ticket{Ticket: "dyn-tom"})
			done <- err
		}()
		<-called
		a.Close()
		wantAbort(t, <-done, wamp.ErrAuthenticationFailed)
	})
	t.Run("authenticator realm missing", func(t *testing.T) {
		r := newRouter(t, func(c *router.Config) {
			a := &router.ProcedureAuthenticator{Procedure: "com.example.authenticate", Realm: "nowhere"}
			c.Realms = append(c.Realms, router.RealmConfig{Name: "users", Authenticators: map[string]router.Authenticator{"ticket": a}})
		})
		_, err := joinWith(t, r, "users", "tom", &client.Ticket{Ticket: "dyn-tom"})
		wantAbort(t, err, wamp.ErrAuthenticationFailed)
	})
}

// A client on a WebSocket (event loop) authenticates by a procedure an
// in-process session provides; the loop goes on serving others meanwhile.
func TestAuthProcedureWebSocket(t *testing.T) {
	r := newRouter(t, func(c *router.Config) {
		c.HelloTimeout = 5 * time.Second
		c.Realms = append(c.Realms, dynamicRealm("users", "com.example.authenticate"))
	})
	calls := startAuthenticator(t, r, "com.example.authenticate")
	url := serveLoop(t, r, eventloop.Config{Loops: 1})
	tr, err := client.Dial(ctxT(t), url, client.ConnectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := client.Join(ctxT(t), tr, "users", client.JoinOptions{AuthID: "tom", Authenticators: []client.Authenticator{&client.Ticket{Ticket: "dyn-tom"}}})
	wantWelcome(t, s, err, "tom", "dticket", "ticket", "dynamic")
	defer s.Close()
	c := <-calls
	if tr, _ := c.details["transport"].(wamp.Dict); tr["type"] != "websocket" || tr["peer"] == nil {
		t.Fatalf("details.transport %v", c.details["transport"])
	}
	tr2, err := client.Dial(ctxT(t), url, client.ConnectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = client.Join(ctxT(t), tr2, "users", client.JoinOptions{AuthID: "tom", Authenticators: []client.Authenticator{&client.Ticket{Ticket: "bad"}}})
	wantAbort(t, err, "com.example.invalid_ticket") // the authenticator's ERROR
	<-calls
}

// Crossbar's dynamic authenticator: a client of the "auth" realm registers
// com.example.authenticate, and the router calls it for every ticket
// HELLO in realm1.
func ExampleProcedureAuthenticator() {
	authn := &router.ProcedureAuthenticator{Procedure: "com.example.authenticate", Realm: "auth"}
	r, err := router.New(router.Config{Realms: []router.RealmConfig{
		{Name: "auth", AllowAnonymous: true}, // in real life: a role that alone may register there
		{Name: "realm1", Authenticators: map[string]router.Authenticator{"ticket": authn}},
	}})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	defer r.Close(ctx)

	authenticator, err := client.Join(ctx, r.Connect(), "auth", client.JoinOptions{})
	if err != nil {
		panic(err)
	}
	defer authenticator.Close()
	_, err = authenticator.Register(ctx, "com.example.authenticate", func(ctx context.Context, inv *client.Invocation) (*client.Result, error) {
		// (realm, authid, details); details["ticket"] for ticket.
		details, _ := inv.Args[2].(wamp.Dict)
		if details["ticket"] != "let-me-in" {
			return nil, &client.Error{URI: "com.example.invalid_ticket"}
		}
		return &client.Result{Args: wamp.List{wamp.Dict{"role": "guest", "extra": wamp.Dict{"motd": "hi"}}}}, nil
	}, nil)
	if err != nil {
		panic(err)
	}

	s, err := client.Join(ctx, r.Connect(), "realm1", client.JoinOptions{AuthID: "joe",
		Authenticators: []client.Authenticator{&client.Ticket{Ticket: "let-me-in"}}})
	if err != nil {
		panic(err)
	}
	defer s.Close()
	d := s.Details()
	fmt.Println(d["authid"], d["authrole"], d["authmethod"], d["authprovider"])
	// Output: joe guest ticket dynamic
}
