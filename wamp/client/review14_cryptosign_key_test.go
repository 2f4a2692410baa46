package client_test

import (
	"crypto/ed25519"
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
)

// TestReview14CryptosignBadKey: Join with a Cryptosign whose PrivateKey is
// missing (a key file that failed to load) or too short returns the
// documented error instead of panicking, and sends no HELLO.
func TestReview14CryptosignBadKey(t *testing.T) {
	_, priv, _ := ed25519.GenerateKey(nil)
	for _, tt := range []struct {
		name string
		key  ed25519.PrivateKey
	}{
		{"nil", nil},
		{"16 octets", priv[:16]},
		{"seed only", priv.Seed()},
		{"too long", append(append(ed25519.PrivateKey{}, priv...), 0)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := &r14Router{onHello: func(*wamp.Hello) []wamp.Message {
				return []wamp.Message{&wamp.Welcome{Session: 7, Details: wamp.Dict{"roles": routerRoles}}}
			}}
			var err error
			func() {
				defer func() {
					if p := recover(); p != nil {
						t.Fatalf("Join panicked: %v", p)
					}
				}()
				_, err = r.join(t, client.JoinOptions{Authenticators: []client.Authenticator{&client.Cryptosign{PrivateKey: tt.key}}})
			}()
			if err == nil || !strings.Contains(err.Error(), "needs an Ed25519 private key") {
				t.Fatalf("err %v, want the private key error", err)
			}
			if seen := r.stopped(); len(seen) != 0 {
				t.Fatalf("router got %v", seen)
			}
		})
	}
}
