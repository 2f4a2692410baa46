package router_test

import (
	"context"
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/auth"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// New and Reload bound the KDF costs of static principals as the
// configuration loader does (and as clients bound what they derive): a
// salted WAMP-CRA keylen over 1024 octets or PBKDF2 work over 1<<24
// blocks, SCRAM iterations over 1<<24, Argon2 memory over 1<<22 KiB or
// Argon2 work (iterations × KiB) over 1<<23. Set through the Go API they
// were taken: every client refused the CHALLENGE (or, for a SCRAM
// Password, New derived it for as long as it took).
func TestReview15bConfigKDFBounds(t *testing.T) {
	keys := scramKeys(t, auth.KDFPBKDF2, "pw", "0011", 1000, 0, "user")
	scram := func(kdf string, iterations, memory int) map[string]router.SCRAMPrincipal {
		p := keys
		p.KDF, p.Iterations, p.Memory = kdf, iterations, memory
		return map[string]router.SCRAMPrincipal{"bob": p}
	}
	cra := func(iterations, keylen int) map[string]router.CRAPrincipal {
		return map[string]router.CRAPrincipal{"bob": {Secret: "k", Salt: "salt", Iterations: iterations, KeyLen: keylen}}
	}
	for _, tc := range []struct {
		name string
		rc   router.RealmConfig
	}{
		{"cra keylen", router.RealmConfig{CRA: cra(1000, 1025)}},
		{"cra iterations", router.RealmConfig{CRA: cra(1<<24+1, 0)}},
		{"cra work", router.RealmConfig{CRA: cra(1<<20, 1024)}},
		{"scram pbkdf2 iterations", router.RealmConfig{SCRAM: scram(auth.KDFPBKDF2, 1<<24+1, 0)}},
		{"scram argon2 memory", router.RealmConfig{SCRAM: scram(auth.KDFArgon2id13, 1, 1<<22+1)}},
		{"scram argon2 work", router.RealmConfig{SCRAM: scram(auth.KDFArgon2id13, 1<<16, 1<<10)}},
	} {
		tc.rc.Name = realm1
		if r, err := router.New(router.Config{Realms: []router.RealmConfig{tc.rc}}); err == nil {
			_ = r.Close(context.Background())
			t.Errorf("%s: New accepted %+v", tc.name, tc.rc)
		} else if !strings.Contains(err.Error(), `"bob"`) || !strings.Contains(err.Error(), "clients refuse") {
			t.Errorf("%s: New: %v; want the principal and the bound named", tc.name, err)
		}
	}
	// At the bounds (and Crossbar's usual costs) the principals are taken.
	for _, rc := range []router.RealmConfig{
		{Name: realm1, CRA: cra(1<<19, 1024)},
		{Name: realm1, CRA: cra(1<<24, 32)},
		{Name: realm1, SCRAM: scram(auth.KDFPBKDF2, 1<<24, 0)},
		{Name: realm1, SCRAM: scram(auth.KDFArgon2id13, 4096, 512)},
		{Name: realm1, SCRAM: scram(auth.KDFArgon2id13, 2, 1<<22)},
	} {
		r, err := router.New(router.Config{Realms: []router.RealmConfig{rc}})
		if err != nil {
			t.Fatalf("New refused costs within the bounds: %v", err)
		}
		_ = r.Close(context.Background())
	}
	// Reload applies the same bounds, and keeps the configuration in force.
	r := newRouter(t, func(c *router.Config) { c.Realms[0].CRA = cra(1000, 32) })
	bad := router.Config{Realms: []router.RealmConfig{{Name: realm1, AllowAnonymous: true, CRA: cra(1000, 4096)}}}
	if err := r.Reload(bad); err == nil || !strings.Contains(err.Error(), "clients refuse") {
		t.Fatalf("Reload: %v; want the keylen refused", err)
	}
	key, err := auth.DeriveCRAKey("pw", "salt", 1000, 32)
	if err != nil {
		t.Fatal(err)
	}
	r2 := newRouter(t, func(c *router.Config) {
		c.Realms[0].CRA = map[string]router.CRAPrincipal{"bob": {Secret: string(key), Salt: "salt"}}
	})
	s, err := joinWith(t, r2, realm1, "bob", &client.CRA{Secret: "pw"})
	wantWelcome(t, s, err, "bob", "user", "wampcra", "static")
}

// A dynamic authenticator's costs past the bounds refuse the HELLO with
// ABORT wamp.error.authentication_failed (logged): the router sent the
// CHALLENGE, which the client refused on its side, and the router learnt
// nothing of it.
func TestReview15bDynamicKDFBounds(t *testing.T) {
	r := newRouter(t, func(c *router.Config) {
		c.Realms[0].Authenticators = map[string]router.Authenticator{
			"wampcra": router.AuthenticatorFunc(func(context.Context, *router.AuthRequest) (*router.Principal, error) {
				return &router.Principal{AuthRole: "user", CRA: &router.CRAPrincipal{Secret: "k", Salt: "s", Iterations: 1 << 25}}, nil
			}),
		}
	})
	_, err := joinWith(t, r, realm1, "bob", &client.CRA{Secret: "pw"})
	wantAbort(t, err, wamp.ErrAuthenticationFailed)
}

// New and Reload refuse the router's reserved role "trusted" for static
// principals and the anonymous role, as the configuration loader does:
// given through the Go API the configuration was taken, and every join
// with it refused at WELCOME.
func TestReview15bConfigTrustedRoleRefused(t *testing.T) {
	pub := "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	for _, rc := range []router.RealmConfig{
		{AllowAnonymous: true, AnonymousRole: "trusted"},
		{Tickets: map[string]router.TicketPrincipal{"mallory": {Ticket: "t", Role: "trusted"}}},
		{CRA: map[string]router.CRAPrincipal{"mallory": {Secret: "s", Role: "trusted"}}},
		{SCRAM: map[string]router.SCRAMPrincipal{"mallory": {KDF: auth.KDFPBKDF2, Iterations: 1000, Password: "pw", Role: "trusted"}}},
		{Cryptosign: map[string]router.CryptosignPrincipal{"mallory": {AuthorizedKeys: []string{pub}, Role: "trusted"}}},
	} {
		rc.Name = realm1
		if r, err := router.New(router.Config{Realms: []router.RealmConfig{rc}}); err == nil {
			_ = r.Close(context.Background())
			t.Errorf("New accepted role trusted: %+v", rc)
		} else if !strings.Contains(err.Error(), "reserved") {
			t.Errorf("New: %v; want the reserved role named", err)
		}
		r := newRouter(t, nil)
		if err := r.Reload(router.Config{Realms: []router.RealmConfig{rc}}); err == nil || !strings.Contains(err.Error(), "reserved") {
			t.Errorf("Reload: %v; want the reserved role refused", err)
		}
	}
}
