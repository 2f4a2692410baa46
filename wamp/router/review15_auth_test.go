package router_test

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"maps"
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/auth"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// A static ticket principal with an empty ticket is refused by New and
// Reload, as a wampcra principal without secret is: an AUTHENTICATE with
// an empty signature matched it, so anyone could join as that authid.
func TestReview15AuthEmptyTicketRefused(t *testing.T) {
	cfg := func(ticket string) router.Config {
		return router.Config{Realms: []router.RealmConfig{{Name: realm1,
			Tickets: map[string]router.TicketPrincipal{"bob": {Ticket: ticket, Role: "user"}}}}}
	}
	if r, err := router.New(cfg("")); err == nil {
		_ = r.Close(context.Background())
		t.Fatal("New accepted a ticket principal with an empty ticket")
	} else if !strings.Contains(err.Error(), `"bob"`) {
		t.Fatalf("New: %v; want the principal named", err)
	}
	r := newRouter(t, func(c *router.Config) { *c = cfg("s3cret") })
	if err := r.Reload(cfg("")); err == nil {
		t.Fatal("Reload accepted a ticket principal with an empty ticket")
	}
	// The configuration in force is unchanged.
	_, err := joinWith(t, r, realm1, "bob", &client.Ticket{})
	wantAbort(t, err, wamp.ErrAuthenticationFailed)
	s, err := joinWith(t, r, realm1, "bob", &client.Ticket{Ticket: "s3cret"})
	wantWelcome(t, s, err, "bob", "user", "ticket", "static")
}

// A static principal with the empty authid is refused by New and Reload:
// a HELLO without authid found it and joined with the empty authid (as a
// dynamic authenticator's empty authid is refused, and an anonymous
// session gets a generated one).
func TestReview15AuthEmptyAuthIDPrincipalRefused(t *testing.T) {
	pub := hex.EncodeToString(signKey.Public().(ed25519.PublicKey))
	for _, rc := range []router.RealmConfig{
		{Name: realm1, Tickets: map[string]router.TicketPrincipal{"": {Ticket: "t"}}},
		{Name: realm1, CRA: map[string]router.CRAPrincipal{"": {Secret: "s"}}},
		{Name: realm1, SCRAM: map[string]router.SCRAMPrincipal{"": {KDF: auth.KDFPBKDF2, Iterations: 1000, Password: "pw"}}},
		{Name: realm1, Cryptosign: map[string]router.CryptosignPrincipal{"": {AuthorizedKeys: []string{pub}}}},
	} {
		if r, err := router.New(router.Config{Realms: []router.RealmConfig{rc}}); err == nil {
			_ = r.Close(context.Background())
			t.Fatalf("New accepted a principal with the empty authid: %+v", rc)
		} else if !strings.Contains(err.Error(), "empty authid") {
			t.Fatalf("New: %v; want the empty authid named", err)
		}
	}
}

// A dynamic SCRAM authenticator may give the session another authid (as
// one for wampcra or cryptosign may): the client's proof names the authid
// it sent in HELLO, which the router's AuthMessage must use. With the
// authenticator's, every such client failed to authenticate.
func TestReview15AuthSCRAMDynamicAuthID(t *testing.T) {
	r := newRouter(t, func(c *router.Config) {
		c.Realms = []router.RealmConfig{{Name: realm1, Authenticators: map[string]router.Authenticator{
			"scram": router.AuthenticatorFunc(func(_ context.Context, req *router.AuthRequest) (*router.Principal, error) {
				if req.AuthID != "Alice" {
					return nil, &router.AuthError{Reason: wamp.ErrAuthenticationFailed, Message: "unknown " + req.AuthID}
				}
				return &router.Principal{AuthID: "user-17", AuthRole: "user",
					SCRAM: &router.SCRAMPrincipal{KDF: auth.KDFPBKDF2, Iterations: 1000, Password: "pw"}}, nil
			}),
		}}}
	})
	s, err := joinWith(t, r, realm1, "Alice", &client.SCRAM{AuthID: "Alice", Password: "pw"})
	wantWelcome(t, s, err, "user-17", "user", "scram", "dynamic")
	_, err = joinWith(t, r, realm1, "Alice", &client.SCRAM{AuthID: "Alice", Password: "wrong"})
	wantAbort(t, err, wamp.ErrAuthenticationFailed)
}

// A dynamic authenticator that gives no authid, for a HELLO that sent
// none, is refused: the session joined with the empty authid, which every
// such session shared (and an anonymous one gets a generated authid so as
// never to pass for an authenticated user).
func TestReview15AuthDynamicNoAuthID(t *testing.T) {
	pub := hex.EncodeToString(signKey.Public().(ed25519.PublicKey))
	r := newRouter(t, func(c *router.Config) {
		c.Realms = []router.RealmConfig{{Name: realm1, Authenticators: map[string]router.Authenticator{
			"ticket": router.AuthenticatorFunc(func(context.Context, *router.AuthRequest) (*router.Principal, error) {
				return &router.Principal{AuthRole: "user"}, nil
			}),
			"cryptosign": router.AuthenticatorFunc(func(context.Context, *router.AuthRequest) (*router.Principal, error) {
				return &router.Principal{AuthRole: "user", Cryptosign: &router.CryptosignPrincipal{AuthorizedKeys: []string{pub}}}, nil
			}),
		}}}
	})
	_, err := joinWith(t, r, realm1, "", &client.Ticket{Ticket: "x"})
	wantAbort(t, err, wamp.ErrAuthenticationFailed)
	_, err = joinWith(t, r, realm1, "", &client.Cryptosign{PrivateKey: signKey})
	wantAbort(t, err, wamp.ErrAuthenticationFailed)
	// With the HELLO's authid they join as before.
	s, err := joinWith(t, r, realm1, "tom", &client.Ticket{Ticket: "x"})
	wantWelcome(t, s, err, "tom", "user", "ticket", "dynamic")
	s, err = joinWith(t, r, realm1, "kim", &client.Cryptosign{PrivateKey: signKey})
	wantWelcome(t, s, err, "kim", "user", "cryptosign", "dynamic")
}

// A cryptosign client that sends no authid is found by its public key
// whatever the case of its hex digits, as one that sends its authid is
// (the key was looked up as text: upper-case digits found no principal).
func TestReview15AuthCryptosignPubkeyCase(t *testing.T) {
	pub := hex.EncodeToString(signKey.Public().(ed25519.PublicKey))
	r := newRouter(t, func(c *router.Config) {
		c.Realms = []router.RealmConfig{{Name: realm1, Cryptosign: map[string]router.CryptosignPrincipal{
			"alice": {AuthorizedKeys: []string{pub}, Role: "user"}}}}
	})
	for _, authid := range []string{"alice", ""} {
		c := rawConn(t, r)
		d := maps.Clone(helloDetails)
		d["authmethods"], d["authextra"] = wamp.List{"cryptosign"}, wamp.Dict{"pubkey": strings.ToUpper(pub)}
		if authid != "" {
			d["authid"] = authid
		}
		c.send(&wamp.Hello{Realm: realm1, Details: d})
		ch, ok := c.recv().(*wamp.Challenge)
		if !ok {
			t.Fatalf("authid %q: no CHALLENGE", authid)
		}
		challenge, _ := ch.Extra["challenge"].(string)
		sig, err := auth.CryptosignSign(signKey, challenge, nil)
		if err != nil {
			t.Fatal(err)
		}
		c.send(&wamp.Authenticate{Signature: sig, Extra: wamp.Dict{}})
		if w, ok := c.recv().(*wamp.Welcome); !ok || w.Details["authid"] != "alice" {
			t.Fatalf("authid %q: got %v; want WELCOME as alice", authid, w)
		}
	}
}

// A Reload that takes away the dynamic authenticator that prepared a
// CHALLENGE fails the answer to it, as it fails one to a removed static
// principal's (it was let in for the rest of the hello timeout); a Reload
// that keeps the authenticator lets the answer in.
func TestReview15AuthReloadRevokesDynamicChallenge(t *testing.T) {
	cra := router.AuthenticatorFunc(func(_ context.Context, req *router.AuthRequest) (*router.Principal, error) {
		return &router.Principal{AuthRole: "user", CRA: &router.CRAPrincipal{Secret: "s3cret"}}, nil
	})
	cfgWith := func(a router.Authenticator) router.Config {
		rc := router.RealmConfig{Name: realm1, CRA: map[string]router.CRAPrincipal{"other": {Secret: "x"}}}
		if a != nil {
			rc.Authenticators = map[string]router.Authenticator{"wampcra": a}
		}
		return router.Config{Realms: []router.RealmConfig{rc}}
	}
	r := newRouter(t, func(c *router.Config) { *c = cfgWith(cra) })
	challenge := func(c *raw) string {
		t.Helper()
		d := maps.Clone(helloDetails)
		d["authid"], d["authmethods"] = "carl", wamp.List{"wampcra"}
		c.send(&wamp.Hello{Realm: realm1, Details: d})
		ch, ok := c.recv().(*wamp.Challenge)
		if !ok {
			t.Fatal("no CHALLENGE")
		}
		s, _ := ch.Extra["challenge"].(string)
		return s
	}

	kept := rawConn(t, r)
	keptCh := challenge(kept)
	if err := r.Reload(cfgWith(cra)); err != nil {
		t.Fatal(err)
	}
	kept.send(&wamp.Authenticate{Signature: auth.SignCRA([]byte("s3cret"), keptCh), Extra: wamp.Dict{}})
	if w, ok := kept.recv().(*wamp.Welcome); !ok || w.Details["authid"] != "carl" {
		t.Fatalf("with the authenticator kept: got %v; want WELCOME", w)
	}

	removed := rawConn(t, r)
	removedCh := challenge(removed)
	if err := r.Reload(cfgWith(nil)); err != nil {
		t.Fatal(err)
	}
	removed.send(&wamp.Authenticate{Signature: auth.SignCRA([]byte("s3cret"), removedCh), Extra: wamp.Dict{}})
	if got := removed.recv(); !isAbort(got, wamp.ErrAuthenticationFailed) {
		t.Fatalf("with the authenticator removed: got %s %v; want ABORT %s", got.Type(), got, wamp.ErrAuthenticationFailed)
	}
}

// A dynamic ticket authenticator welcomes the session on its own
// goroutine, while the reader may be ending it for a message sent too
// early: the two raced on the session's realm name (welcome wrote it, the
// violation's log line read it; go test -race failed). The client gets
// its WELCOME or the ABORT, and nothing else.
func TestReview15AuthTicketWelcomeRacesViolation(t *testing.T) {
	called := make(chan chan struct{}, 1)
	r := newRouter(t, func(c *router.Config) {
		c.Realms = []router.RealmConfig{{Name: realm1, Authenticators: map[string]router.Authenticator{
			"ticket": router.AuthenticatorFunc(func(context.Context, *router.AuthRequest) (*router.Principal, error) {
				release := make(chan struct{})
				called <- release
				<-release
				return &router.Principal{AuthRole: "user"}, nil
			}),
		}}}
	})
	for range 100 {
		c := rawConn(t, r)
		d := maps.Clone(helloDetails)
		d["authid"], d["authmethods"] = "tom", wamp.List{"ticket"}
		c.send(&wamp.Hello{Realm: realm1, Details: d})
		if _, ok := c.recv().(*wamp.Challenge); !ok {
			t.Fatal("no CHALLENGE")
		}
		c.send(&wamp.Authenticate{Signature: "t", Extra: wamp.Dict{}})
		close(<-called)
		c.send(&wamp.Publish{Request: 1, Options: wamp.Dict{}, Topic: "com.example.early"})
		switch m := c.recv().(type) {
		case *wamp.Welcome:
		case *wamp.Abort:
			if m.Reason != wamp.ErrProtocolViolationURI {
				t.Fatalf("ABORT %s; want %s", m.Reason, wamp.ErrProtocolViolationURI)
			}
		default:
			t.Fatalf("got %s; want WELCOME or ABORT", m.Type())
		}
		c.tr.Close()
	}
}

// A Reload that takes away a dynamic authenticator while it decides on a
// ticket refuses the session it accepts (it joined, as an Authorizer's
// decision in flight across a Reload is no longer cached); one that keeps
// it lets the session in.
func TestReview15AuthReloadDuringTicketAuthenticator(t *testing.T) {
	called := make(chan chan struct{}, 1)
	ticket := router.AuthenticatorFunc(func(context.Context, *router.AuthRequest) (*router.Principal, error) {
		release := make(chan struct{})
		called <- release
		<-release
		return &router.Principal{AuthRole: "user"}, nil
	})
	cfgWith := func(a router.Authenticator) router.Config {
		rc := router.RealmConfig{Name: realm1, Tickets: map[string]router.TicketPrincipal{"other": {Ticket: "x"}}}
		if a != nil {
			rc.Authenticators = map[string]router.Authenticator{"ticket": a}
		}
		return router.Config{Realms: []router.RealmConfig{rc}}
	}
	r := newRouter(t, func(c *router.Config) { *c = cfgWith(ticket) })
	for _, keep := range []bool{true, false} {
		c := rawConn(t, r)
		d := maps.Clone(helloDetails)
		d["authid"], d["authmethods"] = "tom", wamp.List{"ticket"}
		c.send(&wamp.Hello{Realm: realm1, Details: d})
		if _, ok := c.recv().(*wamp.Challenge); !ok {
			t.Fatal("no CHALLENGE")
		}
		c.send(&wamp.Authenticate{Signature: "t", Extra: wamp.Dict{}})
		release := <-called
		var next router.Authenticator
		if keep {
			next = ticket
		}
		if err := r.Reload(cfgWith(next)); err != nil {
			t.Fatal(err)
		}
		close(release)
		got := c.recv()
		if _, ok := got.(*wamp.Welcome); keep != ok {
			t.Fatalf("authenticator kept %v: got %s %v", keep, got.Type(), got)
		}
		if !keep && !isAbort(got, wamp.ErrAuthenticationFailed) {
			t.Fatalf("authenticator removed: got %s %v; want ABORT %s", got.Type(), got, wamp.ErrAuthenticationFailed)
		}
	}
}
