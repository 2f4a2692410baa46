package router_test

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
)

// FuzzHelloAuth: any HELLO authentication a client sends (authmethods,
// authid, authextra: the SCRAM nonce and channel binding, the cryptosign
// pubkey) and any AUTHENTICATE after the CHALLENGE (signature, extra) get
// a CHALLENGE, a WELCOME or an ABORT, never a panic or silence; and a
// fuzzed answer never authenticates but the one ticket it could guess.
func FuzzHelloAuth(f *testing.F) {
	pub := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)).Public().(ed25519.PublicKey)
	pk := hex.EncodeToString(pub)
	f.Add("ticket", "tom", `{}`, "t1cket", `{}`)
	f.Add("wampcra", "carl", `{}`, "c2lnbmF0dXJl", `{}`)
	f.Add("scram", "sam", `{"nonce": "abc"}`, "cHJvb2Y=", `{}`)
	f.Add("scram", "sam", `{"nonce": "abc", "channel_binding": "tls-unique"}`, "", `{"channel_binding": "tls-unique", "cbind_data": "", "nonce": "abc"}`)
	f.Add("cryptosign", "", `{"pubkey": "`+pk+`"}`, "00", `{}`)
	f.Add("cryptosign", "cindy", `{"pubkey": "`+pk+`", "channel_binding": "tls-unique"}`, "", `{}`)
	f.Add("anonymous", "", `{"x": [1, {"y": null}]}`, "", `{}`)
	f.Add("cryptosign", "cindy", `{"pubkey": 7}`, "", `{}`)
	f.Add("scram", "p\u00e9", `{"nonce": ""}`, "", `{}`)
	r, err := router.New(router.Config{Realms: []router.RealmConfig{{
		Name:       "auth",
		Tickets:    map[string]router.TicketPrincipal{"tom": {Ticket: "t1cket", Role: "ticketer"}},
		CRA:        map[string]router.CRAPrincipal{"carl": {Secret: "s3cret", Role: "crauser"}},
		SCRAM:      map[string]router.SCRAMPrincipal{"sam": {Role: "scrammer", KDF: "pbkdf2", Iterations: 1000, Password: "pw"}},
		Cryptosign: map[string]router.CryptosignPrincipal{"cindy": {Role: "signer", AuthorizedKeys: []string{pk}}},
	}}})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = r.Close(context.Background()) })
	f.Fuzz(func(t *testing.T, method, authid, helloExtra, signature, authExtra string) {
		he, err1 := json.Decode([]byte(helloExtra))
		ae, err2 := json.Decode([]byte(authExtra))
		hd, ok1 := he.(map[string]any)
		ad, ok2 := ae.(map[string]any)
		if err1 != nil || err2 != nil || !ok1 || !ok2 {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c := r.Connect()
		defer c.Close()
		details := wamp.Dict{"roles": wamp.Dict{"caller": wamp.Dict{}}, "authmethods": wamp.List{method}, "authid": authid, "authextra": wamp.Dict(hd)}
		if err := c.Send(ctx, &wamp.Hello{Realm: "auth", Details: details}); err != nil {
			t.Fatal(err)
		}
		m, err := c.Recv(ctx)
		if err != nil {
			t.Fatalf("HELLO %v: no answer: %v", details, err)
		}
		switch m.(type) {
		case *wamp.Abort:
			return
		case *wamp.Welcome:
			if method != "anonymous" {
				t.Fatalf("HELLO %v: welcomed without authentication", details)
			}
			return
		case *wamp.Challenge:
		default:
			t.Fatalf("HELLO %v: answered %T", details, m)
		}
		if err := c.Send(ctx, &wamp.Authenticate{Signature: signature, Extra: wamp.Dict(ad)}); err != nil {
			t.Fatal(err)
		}
		m, err = c.Recv(ctx)
		if err != nil {
			t.Fatalf("AUTHENTICATE %q %v: no answer: %v", signature, ad, err)
		}
		switch m.(type) {
		case *wamp.Abort:
		case *wamp.Welcome:
			if method != "ticket" || authid != "tom" || signature != "t1cket" {
				t.Fatalf("HELLO %v, AUTHENTICATE %q %v: welcomed", details, signature, ad)
			}
		default:
			t.Fatalf("AUTHENTICATE: answered %T", m)
		}
	})
}
