package client_test

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"sync"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/auth"
	"github.com/autobahn-go/autobahn/wamp/client"
)

// r14SCRAMRouter is a scripted WAMP-SCRAM router (PBKDF2) for cred that
// waits for gate, when not nil, before it sends its CHALLENGE.
func r14SCRAMRouter(cred *auth.SCRAMCredential, gate <-chan struct{}, helloSeen chan<- struct{}) *r14Router {
	var authMsg string
	return &r14Router{
		onHello: func(h *wamp.Hello) []wamp.Message {
			if helloSeen != nil {
				close(helloSeen)
			}
			if gate != nil {
				<-gate
			}
			cn := r14ClientNonce(h)
			sn := auth.SCRAMServerNonce(cn)
			authMsg = auth.SCRAMAuthMessage("joe", cn, sn, cred.Salt, cred.Iterations, "")
			return []wamp.Message{&wamp.Challenge{AuthMethod: "scram", Extra: wamp.Dict{
				"nonce": sn, "salt": cred.Salt, "kdf": cred.KDF, "iterations": int64(cred.Iterations),
			}}}
		},
		onAuth: func(a *wamp.Authenticate) []wamp.Message {
			if !cred.Verify(authMsg, a.Signature) {
				return []wamp.Message{&wamp.Abort{Details: wamp.Dict{}, Reason: wamp.ErrAuthenticationFailed}}
			}
			return []wamp.Message{&wamp.Welcome{Session: 9, Details: wamp.Dict{
				"authid": "joe", "authmethod": "scram", "roles": routerRoles,
				"authextra": wamp.Dict{"scram_server_signature": cred.ServerSignature(authMsg)},
			}}}
		},
	}
}

// TestReview14SharedSCRAMConcurrentJoins: one *SCRAM in the JoinOptions of
// two sessions that join at the same time (two Components, a pool of
// sessions). Join A sends HELLO, then Join B sends its own before A's
// router answers: A must still answer its CHALLENGE with its own nonce.
func TestReview14SharedSCRAMConcurrentJoins(t *testing.T) {
	cred, err := auth.NewSCRAMCredential(auth.KDFPBKDF2, "pw", "c2FsdA==", 1000, 0)
	if err != nil {
		t.Fatal(err)
	}
	shared := &client.SCRAM{AuthID: "joe", Password: "pw"}
	opts := client.JoinOptions{AuthID: "joe", Authenticators: []client.Authenticator{shared}}

	helloA, helloB := make(chan struct{}), make(chan struct{})
	ra := r14SCRAMRouter(cred, helloB, helloA) // answers A once B's HELLO is out
	rb := r14SCRAMRouter(cred, nil, helloB)

	joinBoth(t, opts, ra, rb, helloA)
}

// TestReview14SharedCryptosignConcurrentJoins: the same with one
// *Cryptosign bound to TLS (tls-unique): Join A must sign with the channel
// ID of its own connection, not that of Join B, which sent HELLO later.
func TestReview14SharedCryptosignConcurrentJoins(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	shared := &client.Cryptosign{PrivateKey: priv, ChannelBinding: "tls-unique"}
	opts := client.JoinOptions{Authenticators: []client.Authenticator{shared}}
	challenge := hex.EncodeToString(make([]byte, 32))
	router := func(unique []byte, gate <-chan struct{}, helloSeen chan<- struct{}) *r14Router {
		return &r14Router{
			wrap: func(t wamp.Transport) wamp.Transport { return tlsTransport{Transport: t, unique: unique} },
			onHello: func(*wamp.Hello) []wamp.Message {
				close(helloSeen)
				if gate != nil {
					<-gate
				}
				return []wamp.Message{&wamp.Challenge{AuthMethod: "cryptosign", Extra: wamp.Dict{"challenge": challenge}}}
			},
			onAuth: func(a *wamp.Authenticate) []wamp.Message {
				if !auth.CryptosignVerify(pub, challenge, auth.CryptosignChannelID(unique), a.Signature) {
					return []wamp.Message{&wamp.Abort{Details: wamp.Dict{}, Reason: wamp.ErrAuthenticationFailed}}
				}
				return []wamp.Message{&wamp.Welcome{Session: 9, Details: wamp.Dict{"authmethod": "cryptosign", "roles": routerRoles}}}
			},
		}
	}
	helloA, helloB := make(chan struct{}), make(chan struct{})
	ra := router([]byte("finished-A"), helloB, helloA)
	rb := router([]byte("finished-B"), nil, helloB)

	joinBoth(t, opts, ra, rb, helloA)
}

// r14CountingSCRAM embeds *client.SCRAM and counts its Authenticate calls.
type r14CountingSCRAM struct {
	*client.SCRAM
	calls int
}

func (a *r14CountingSCRAM) Authenticate(ctx context.Context, ch *wamp.Challenge) (string, wamp.Dict, error) {
	a.calls++
	return a.SCRAM.Authenticate(ctx, ch)
}

// TestReview14EmbeddedSCRAMKept: Join copies a *SCRAM for itself, but not
// a type of the user's that embeds one: its own methods still run.
func TestReview14EmbeddedSCRAMKept(t *testing.T) {
	cred, err := auth.NewSCRAMCredential(auth.KDFPBKDF2, "pw", "c2FsdA==", 1000, 0)
	if err != nil {
		t.Fatal(err)
	}
	a := &r14CountingSCRAM{SCRAM: &client.SCRAM{AuthID: "joe", Password: "pw"}}
	r := r14SCRAMRouter(cred, nil, nil)
	if _, err := r.join(t, client.JoinOptions{AuthID: "joe", Authenticators: []client.Authenticator{a}}); err != nil {
		t.Fatal(err)
	}
	if a.calls != 1 {
		t.Fatalf("%d calls of the embedding type's Authenticate, want 1", a.calls)
	}
}

// joinBoth joins through ra in a goroutine and, once ra has seen its
// HELLO (helloA), through rb; both Joins must succeed.
func joinBoth(t *testing.T, opts client.JoinOptions, ra, rb *r14Router, helloA <-chan struct{}) {
	t.Helper()
	var wg sync.WaitGroup
	var errA error
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, errA = ra.join(t, opts)
	}()
	<-helloA
	if _, err := rb.join(t, opts); err != nil {
		t.Errorf("join B: %v", err)
	}
	wg.Wait()
	if errA != nil {
		t.Errorf("join A: %v", errA)
	}
}
