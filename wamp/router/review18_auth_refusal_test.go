package router_test

import (
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// A join refused for an authid the realm does not know was told so, with
// the authid ("no principal mallory for wampcra"), and a cryptosign join
// with a known authid but another key was told "public key not
// authorized": from the texts a client could list the realm's users. Both
// now get the text a wrong answer gets.
func TestReview18AuthRefusalUniform(t *testing.T) {
	pub, _, _ := ed25519.GenerateKey(nil)
	_, stranger, _ := ed25519.GenerateKey(nil)
	r := newRouter(t, func(c *router.Config) {
		c.Realms = append(c.Realms, router.RealmConfig{
			Name:       "auth",
			CRA:        map[string]router.CRAPrincipal{"carl": {Secret: "s3cret"}},
			SCRAM:      map[string]router.SCRAMPrincipal{"sam": {KDF: "pbkdf2", Iterations: 1000, Password: "pw"}},
			Cryptosign: map[string]router.CryptosignPrincipal{"cindy": {AuthorizedKeys: []string{hex.EncodeToString(pub)}}},
		})
	})
	message := func(authid string, a client.Authenticator) string {
		t.Helper()
		_, err := joinWith(t, r, "auth", authid, a)
		var ae *client.AbortError
		if !errors.As(err, &ae) || ae.Reason != wamp.ErrAuthenticationFailed {
			t.Fatalf("%s: err = %v, want ABORT %s", authid, err, wamp.ErrAuthenticationFailed)
		}
		msg, _ := ae.Details["message"].(string)
		return msg
	}
	for _, tc := range []struct {
		method  string
		unknown string // an unknown authid's refusal
		wrong   string // a known authid's with a wrong secret or key
	}{
		{"wampcra", message("mallory", &client.CRA{Secret: "s3cret"}), message("carl", &client.CRA{Secret: "s3creT"})},
		{"scram", message("mallory", &client.SCRAM{AuthID: "mallory", Password: "pw"}), message("sam", &client.SCRAM{AuthID: "sam", Password: "pW"})},
		{"cryptosign", message("mallory", &client.Cryptosign{PrivateKey: stranger}), message("cindy", &client.Cryptosign{PrivateKey: stranger})},
	} {
		if strings.Contains(tc.unknown, "mallory") || tc.unknown != tc.wrong {
			t.Errorf("%s: unknown authid refused with %q, wrong answer with %q; want one text, naming no authid", tc.method, tc.unknown, tc.wrong)
		}
	}
}
