package router_test

import (
	"context"
	"encoding/hex"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// A cryptosign principal whose authorized key is a point of small order
// (here the neutral point, 01 00…00) let anyone log in as it: Ed25519
// verification in Go does not refuse such a key, and R = the neutral
// point, S = 0 verify for every challenge. The router now refuses the key
// in its configuration (wamp/auth.ParsePublicKey).
func TestReview18WeakCryptosignKeyRefused(t *testing.T) {
	neutral := make([]byte, 32)
	neutral[0] = 1
	r, err := router.New(router.Config{Realms: []router.RealmConfig{{Name: "auth",
		Cryptosign: map[string]router.CryptosignPrincipal{"cindy": {AuthorizedKeys: []string{hex.EncodeToString(neutral)}}}}}})
	if err != nil {
		return // refused: nobody can log in with a forged answer
	}
	defer r.Close(context.Background())
	c := rawConn(t, r)
	c.send(&wamp.Hello{Realm: "auth", Details: wamp.Dict{"roles": wamp.Dict{"caller": wamp.Dict{}}, "authmethods": []any{"cryptosign"},
		"authid": "cindy", "authextra": wamp.Dict{"pubkey": hex.EncodeToString(neutral)}}})
	if _, ok := c.recv().(*wamp.Challenge); !ok {
		t.Fatal("New took the weak key, and the router sent no CHALLENGE")
	}
	forged := hex.EncodeToString(append(append([]byte{}, neutral...), make([]byte, 32)...))
	c.send(&wamp.Authenticate{Signature: forged, Extra: wamp.Dict{}})
	if w, ok := c.recv().(*wamp.Welcome); ok {
		t.Fatalf("New took the weak key, and a forged answer logged in as %v", w.Details["authid"])
	}
	t.Fatal("New took a weak cryptosign key")
}
