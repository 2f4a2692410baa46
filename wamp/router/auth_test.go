package router_test

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/auth"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// joinWith joins realm over r's in-process transport.
func joinWith(t *testing.T, r *router.Router, realm wamp.URI, authid string, a client.Authenticator) (*client.Session, error) {
	t.Helper()
	opts := client.JoinOptions{AuthID: authid}
	if a != nil {
		opts.Authenticators = []client.Authenticator{a}
	}
	s, err := client.Join(ctxT(t), r.Connect(), realm, opts)
	if err == nil {
		t.Cleanup(func() { s.Close() })
	}
	return s, err
}

func wantAbort(t *testing.T, err error, reason wamp.URI) {
	t.Helper()
	var ae *client.AbortError
	if !errors.As(err, &ae) || ae.Reason != reason {
		t.Fatalf("err = %v, want ABORT %s", err, reason)
	}
}

func wantWelcome(t *testing.T, s *client.Session, err error, authid, role, method, provider string) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	d := s.Details()
	if d["authid"] != authid || d["authrole"] != role || d["authmethod"] != method || d["authprovider"] != provider {
		t.Fatalf("WELCOME.Details = %v, want %s/%s/%s/%s", d, authid, role, method, provider)
	}
}

// scramKeys returns Crossbar's form of a SCRAM principal for password.
func scramKeys(t *testing.T, kdf, password string, saltHex string, iterations, memory int, role string) router.SCRAMPrincipal {
	t.Helper()
	salt, _ := hex.DecodeString(saltHex)
	c, err := auth.NewSCRAMCredential(kdf, password, base64.StdEncoding.EncodeToString(salt), iterations, memory)
	if err != nil {
		t.Fatal(err)
	}
	return router.SCRAMPrincipal{Role: role, KDF: kdf, Iterations: iterations, Memory: memory, Salt: saltHex,
		StoredKey: hex.EncodeToString(c.StoredKey), ServerKey: hex.EncodeToString(c.ServerKey)}
}

func TestAuthStatic(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	_, stranger, _ := ed25519.GenerateKey(nil)
	salted, _ := auth.DeriveCRAKey("pw", "salt123", 100, 16)
	r := newRouter(t, func(c *router.Config) {
		c.Realms = append(c.Realms, router.RealmConfig{
			Name:    "auth",
			Tickets: map[string]router.TicketPrincipal{"tom": {Ticket: "t1cket", Role: "ticketer"}},
			CRA: map[string]router.CRAPrincipal{
				"carl":  {Secret: "s3cret", Role: "crauser"},
				"sally": {Secret: string(salted), Role: "salted", Salt: "salt123", Iterations: 100, KeyLen: 16},
			},
			SCRAM: map[string]router.SCRAMPrincipal{
				"sam":     {Role: "scrammer", KDF: auth.KDFPBKDF2, Iterations: 1000, Password: "pw"},
				"ann":     scramKeys(t, auth.KDFArgon2id13, "pw", "00112233445566778899aabbccddeeff", 1, 512, "argon"),
				"p\u00e9": scramKeys(t, auth.KDFPBKDF2, "pw", "0011", 1000, 0, "accented"),
			},
			Cryptosign: map[string]router.CryptosignPrincipal{
				"cindy": {Role: "signer", AuthorizedKeys: []string{hex.EncodeToString(pub)}},
			},
		})
	})
	for _, tt := range []struct {
		name, authid string
		a            client.Authenticator
		wantID       string // "" for the authid
		role, method string
		fail         wamp.URI
	}{
		{"ticket", "tom", &client.Ticket{Ticket: "t1cket"}, "", "ticketer", "ticket", ""},
		{"ticket wrong", "tom", &client.Ticket{Ticket: "t1ckeT"}, "", "", "", wamp.ErrAuthenticationFailed},
		{"ticket unknown", "tim", &client.Ticket{Ticket: "t1cket"}, "", "", "", wamp.ErrAuthenticationFailed},
		{"wampcra", "carl", &client.CRA{Secret: "s3cret"}, "", "crauser", "wampcra", ""},
		{"wampcra wrong", "carl", &client.CRA{Secret: "s3creT"}, "", "", "", wamp.ErrAuthenticationFailed},
		{"wampcra unknown", "cora", &client.CRA{Secret: "s3cret"}, "", "", "", wamp.ErrAuthenticationFailed},
		{"wampcra salted", "sally", &client.CRA{Secret: "pw"}, "", "salted", "wampcra", ""},
		{"wampcra salted wrong", "sally", &client.CRA{Secret: "pW"}, "", "", "", wamp.ErrAuthenticationFailed},
		{"scram pbkdf2", "sam", &client.SCRAM{AuthID: "sam", Password: "pw"}, "", "scrammer", "scram", ""},
		{"scram pbkdf2 wrong", "sam", &client.SCRAM{AuthID: "sam", Password: "pW"}, "", "", "", wamp.ErrAuthenticationFailed},
		{"scram argon2id-13 stored keys", "ann", &client.SCRAM{AuthID: "ann", Password: "pw"}, "", "argon", "scram", ""},
		{"scram argon2id-13 wrong", "ann", &client.SCRAM{AuthID: "ann", Password: "pw "}, "", "", "", wamp.ErrAuthenticationFailed},
		{"scram SASLprep authid", "p\u00e9", &client.SCRAM{AuthID: "p\u00e9", Password: "pw"}, "", "accented", "scram", ""},
		{"scram unknown", "sue", &client.SCRAM{AuthID: "sue", Password: "pw"}, "", "", "", wamp.ErrAuthenticationFailed},
		{"cryptosign", "cindy", &client.Cryptosign{PrivateKey: priv}, "", "signer", "cryptosign", ""},
		{"cryptosign found by key", "", &client.Cryptosign{PrivateKey: priv}, "cindy", "signer", "cryptosign", ""},
		{"cryptosign key not authorized", "cindy", &client.Cryptosign{PrivateKey: stranger}, "", "", "", wamp.ErrAuthenticationFailed},
		{"cryptosign unknown key", "", &client.Cryptosign{PrivateKey: stranger}, "", "", "", wamp.ErrAuthenticationFailed},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := joinWith(t, r, "auth", tt.authid, tt.a)
			if tt.fail != "" {
				wantAbort(t, err, tt.fail)
				return
			}
			id := tt.wantID
			if id == "" {
				id = tt.authid
			}
			wantWelcome(t, s, err, id, tt.role, tt.method, "static")
			if tt.method == "scram" {
				extra, _ := s.Details()["authextra"].(wamp.Dict)
				if sig, _ := extra["scram_server_signature"].(string); sig == "" {
					t.Fatalf("WELCOME without scram_server_signature: %v", s.Details())
				}
			}
		})
	}
	// A method the realm does not offer, and anonymous where it is off.
	_, err := joinWith(t, r, "auth", "x", nil)
	wantAbort(t, err, wamp.ErrNotAuthorized)
}

// TestAuthAnswers drives the router with hand-made AUTHENTICATE messages:
// the client-side math of wamp/auth is accepted, any altered octet is not.
func TestAuthAnswers(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	r := newRouter(t, func(c *router.Config) {
		c.Realms = append(c.Realms, router.RealmConfig{
			Name:       "auth",
			CRA:        map[string]router.CRAPrincipal{"carl": {Secret: "s3cret"}},
			Cryptosign: map[string]router.CryptosignPrincipal{"cindy": {AuthorizedKeys: []string{hex.EncodeToString(pub)}}},
		})
	})
	for _, method := range []string{"wampcra", "cryptosign"} {
		answer := func(ch *wamp.Challenge) string {
			c, _ := ch.Extra["challenge"].(string)
			if method == "wampcra" {
				return auth.SignCRA([]byte("s3cret"), c)
			}
			sig, _ := auth.CryptosignSign(priv, c, nil)
			return sig
		}
		hello := func(c *raw) *wamp.Challenge {
			d := wamp.Dict{"roles": wamp.Dict{"caller": wamp.Dict{}}, "authmethods": []any{method}}
			if method == "wampcra" {
				d["authid"] = "carl"
			} else {
				d["authid"] = "cindy"
				d["authextra"] = wamp.Dict{"pubkey": hex.EncodeToString(pub)}
			}
			c.send(&wamp.Hello{Realm: "auth", Details: d})
			ch, ok := c.recv().(*wamp.Challenge)
			if !ok || ch.AuthMethod != method {
				t.Fatalf("%s: no CHALLENGE", method)
			}
			return ch
		}
		c := rawConn(t, r)
		sig := answer(hello(c))
		c.send(&wamp.Authenticate{Signature: sig, Extra: wamp.Dict{}})
		if w, ok := c.recv().(*wamp.Welcome); !ok || w.Details["authmethod"] != method || w.Details["authrole"] != "user" {
			t.Fatalf("%s: no WELCOME: %v", method, w)
		}
		// Altered answers: one changed character at a few places.
		for _, i := range []int{0, len(sig) / 2, len(sig) - 1} {
			c := rawConn(t, r)
			sig := answer(hello(c))
			b := []byte(sig)
			if b[i] == 'A' || b[i] == '0' {
				b[i]++
			} else {
				b[i] = 'A'
				if method == "cryptosign" {
					b[i] = '0'
				}
			}
			c.send(&wamp.Authenticate{Signature: string(b), Extra: wamp.Dict{}})
			if a, ok := c.recv().(*wamp.Abort); !ok || a.Reason != wamp.ErrAuthenticationFailed {
				t.Fatalf("%s: altered answer at %d: %v", method, i, a)
			}
		}
	}
}

func TestAuthDynamic(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	calls := make(chan *router.AuthRequest, 16)
	dyn := router.AuthenticatorFunc(func(ctx context.Context, req *router.AuthRequest) (*router.Principal, error) {
		calls <- req
		switch {
		case req.AuthID == "banned":
			return nil, &router.AuthError{Reason: wamp.ErrNotAuthorized, Message: "banned"}
		case req.AuthID == "slow":
			<-ctx.Done()
			return nil, ctx.Err()
		case req.AuthMethod == "ticket":
			if req.Ticket != "dyn-"+req.AuthID {
				return nil, errors.New("wrong ticket")
			}
			return &router.Principal{AuthRole: "dticket", Extra: wamp.Dict{"hello": "there"}}, nil
		case req.AuthMethod == "wampcra":
			return &router.Principal{AuthRole: "dcra", AuthID: "renamed", CRA: &router.CRAPrincipal{Secret: "s3cret"}}, nil
		case req.AuthMethod == "scram":
			return &router.Principal{AuthRole: "dscram", SCRAM: &router.SCRAMPrincipal{KDF: auth.KDFPBKDF2, Iterations: 1000, Password: "pw"}}, nil
		case req.AuthMethod == "cryptosign":
			return &router.Principal{AuthRole: "dsign", AuthID: "found", Cryptosign: &router.CryptosignPrincipal{AuthorizedKeys: []string{hex.EncodeToString(pub)}}}, nil
		}
		return nil, errors.New("no")
	})
	r := newRouter(t, func(c *router.Config) {
		c.HelloTimeout = 2 * time.Second
		c.Realms = append(c.Realms, router.RealmConfig{
			Name:           "dyn",
			Authenticators: map[string]router.Authenticator{"ticket": dyn, "wampcra": dyn, "scram": dyn, "cryptosign": dyn},
		})
	})
	for _, tt := range []struct {
		name, authid string
		a            client.Authenticator
		wantID, role string
		fail         wamp.URI
	}{
		{"ticket", "tom", &client.Ticket{Ticket: "dyn-tom"}, "tom", "dticket", ""},
		{"ticket wrong", "tom", &client.Ticket{Ticket: "nope"}, "", "", wamp.ErrAuthenticationFailed},
		{"ticket banned", "banned", &client.Ticket{Ticket: "dyn-banned"}, "", "", wamp.ErrNotAuthorized},
		{"wampcra", "carl", &client.CRA{Secret: "s3cret"}, "renamed", "dcra", ""},
		{"wampcra wrong", "carl", &client.CRA{Secret: "other"}, "", "", wamp.ErrAuthenticationFailed},
		{"wampcra banned", "banned", &client.CRA{Secret: "s3cret"}, "", "", wamp.ErrNotAuthorized},
		{"scram", "sam", &client.SCRAM{AuthID: "sam", Password: "pw"}, "sam", "dscram", ""},
		{"scram wrong", "sam", &client.SCRAM{AuthID: "sam", Password: "px"}, "", "", wamp.ErrAuthenticationFailed},
		{"cryptosign", "", &client.Cryptosign{PrivateKey: priv}, "found", "dsign", ""},
		{"slow authenticator", "slow", &client.CRA{Secret: "s3cret"}, "", "", wamp.ErrTimeout},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := joinWith(t, r, "dyn", tt.authid, tt.a)
			req := <-calls
			if req.Realm != "dyn" || req.AuthMethod != tt.a.Method() || req.AuthID != tt.authid || req.Session == 0 {
				t.Fatalf("request %+v", req)
			}
			if tt.fail != "" {
				wantAbort(t, err, tt.fail)
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
}

func TestAuthConfigRefused(t *testing.T) {
	for _, tt := range []struct {
		name string
		rc   router.RealmConfig
		want string
	}{
		{"cra without secret", router.RealmConfig{Name: "x", CRA: map[string]router.CRAPrincipal{"a": {}}}, "without secret"},
		{"scram without keys", router.RealmConfig{Name: "x", SCRAM: map[string]router.SCRAMPrincipal{"a": {KDF: auth.KDFPBKDF2, Iterations: 1000}}}, "stored-key"},
		{"scram bad kdf", router.RealmConfig{Name: "x", SCRAM: map[string]router.SCRAMPrincipal{"a": {KDF: "md5", Iterations: 1, Password: "x"}}}, "unsupported scram kdf"},
		{"cryptosign bad key", router.RealmConfig{Name: "x", Cryptosign: map[string]router.CryptosignPrincipal{"a": {AuthorizedKeys: []string{"abcd"}}}}, "public key"},
		{"cryptosign shared key", router.RealmConfig{Name: "x", Cryptosign: map[string]router.CryptosignPrincipal{
			"a": {AuthorizedKeys: []string{strings.Repeat("ab", 32)}}, "b": {AuthorizedKeys: []string{strings.Repeat("ab", 32)}}}}, "also authorized"},
		{"dynamic anonymous", router.RealmConfig{Name: "x", Authenticators: map[string]router.Authenticator{"anonymous": nil}}, "no dynamic authentication"},
	} {
		if _, err := router.New(router.Config{Realms: []router.RealmConfig{tt.rc}}); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err %v, want %q", tt.name, err, tt.want)
		}
	}
}

// Static principals for two methods, and a dynamic ticket authenticator in
// another realm; a client joins with WAMP-SCRAM.
func ExampleRealmConfig_authentication() {
	r, err := router.New(router.Config{Realms: []router.RealmConfig{{
		Name: "realm1",
		SCRAM: map[string]router.SCRAMPrincipal{
			"joe": {Role: "frontend", KDF: auth.KDFPBKDF2, Iterations: 4096, Password: "s3cret"},
		},
		Cryptosign: map[string]router.CryptosignPrincipal{
			"backend": {Role: "backend", AuthorizedKeys: []string{"d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"}},
		},
	}, {
		Name: "realm2",
		Authenticators: map[string]router.Authenticator{
			"ticket": router.AuthenticatorFunc(func(ctx context.Context, req *router.AuthRequest) (*router.Principal, error) {
				if req.Ticket != "let-me-in" { // look it up somewhere
					return nil, &router.AuthError{Reason: wamp.ErrAuthenticationFailed, Message: "unknown ticket"}
				}
				return &router.Principal{AuthRole: "guest"}, nil
			}),
		},
	}}})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	defer r.Close(ctx)

	s, err := client.Join(ctx, r.Connect(), "realm1", client.JoinOptions{AuthID: "joe",
		Authenticators: []client.Authenticator{&client.SCRAM{AuthID: "joe", Password: "s3cret"}}})
	if err != nil {
		panic(err)
	}
	defer s.Close()
	d := s.Details()
	fmt.Println(d["authid"], d["authrole"], d["authmethod"], d["authprovider"])
	// Output: joe frontend scram static
}
