package client_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
)

// TestReview14SCRAMPasswordNotInAbort: with SASLprepPassword, a password
// that SASLprep prohibits fails the join; the ABORT the client sends the
// router, and the error, must not name the offending character of the
// password.
func TestReview14SCRAMPasswordNotInAbort(t *testing.T) {
	for _, password := range []string{"pa\u0007ss", "pa\u0221ss", "\u0627pass1"} {
		t.Run(fmt.Sprintf("%q", password), func(t *testing.T) {
			r := &r14Router{onHello: func(h *wamp.Hello) []wamp.Message {
				return []wamp.Message{&wamp.Challenge{AuthMethod: "scram", Extra: wamp.Dict{
					"nonce": r14ClientNonce(h) + "srv", "salt": "c2FsdA==", "kdf": "pbkdf2", "iterations": int64(1000),
				}}}
			}}
			a := &client.SCRAM{AuthID: "joe", Password: password, SASLprepPassword: true}
			_, err := r.join(t, client.JoinOptions{AuthID: "joe", Authenticators: []client.Authenticator{a}})
			if err == nil || !strings.Contains(err.Error(), "scram password") {
				t.Fatalf("err %v, want a scram password error", err)
			}
			seen := r.stopped()
			ab, ok := seen[len(seen)-1].(*wamp.Abort)
			if !ok {
				t.Fatalf("router got %v last, want ABORT", seen[len(seen)-1])
			}
			msg := fmt.Sprint(ab.Details["message"])
			for _, c := range password {
				if c < 'a' || c > 'z' {
					for _, leak := range []string{fmt.Sprintf("%U", c), string(c)} {
						if strings.Contains(msg, leak) || strings.Contains(err.Error(), leak) {
							t.Errorf("ABORT message %q or error %q names %s of the password", msg, err, leak)
						}
					}
				}
			}
		})
	}
}
