package client_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
)

// r14CancelOnChallenge ends Join's ctx as soon as the CHALLENGE arrives,
// and records what the client tries to send.
type r14CancelOnChallenge struct {
	wamp.Transport
	cancel context.CancelFunc

	mu   sync.Mutex
	sent []wamp.MessageType
}

func (c *r14CancelOnChallenge) Recv(ctx context.Context) (wamp.Message, error) {
	m, err := c.Transport.Recv(ctx)
	if _, ok := m.(*wamp.Challenge); ok {
		c.cancel()
	}
	return m, err
}

func (c *r14CancelOnChallenge) Send(ctx context.Context, m wamp.Message) error {
	c.mu.Lock()
	c.sent = append(c.sent, m.Type())
	c.mu.Unlock()
	return c.Transport.Send(ctx, m)
}

// TestReview14CancelDuringKeyDerivation: the ctx of Connect or Join ends
// when the CHALLENGE arrives, before the client derives a salted key
// (WAMP-SCRAM, salted WAMP-CRA; a second or more of PBKDF2 here, seconds
// up to the limits): Join returns ctx's error at once, and does not go on
// to derive the key and answer with AUTHENTICATE. (An end during the
// derivation: TestReview14DeriveReturnsOnCancel.)
func TestReview14CancelDuringKeyDerivation(t *testing.T) {
	const iterations = 1 << 21
	scram := func(h *wamp.Hello) []wamp.Message {
		return []wamp.Message{&wamp.Challenge{AuthMethod: "scram", Extra: wamp.Dict{
			"nonce": r14ClientNonce(h) + "srv", "salt": "c2FsdA==", "kdf": "pbkdf2", "iterations": int64(iterations),
		}}}
	}
	cra := func(*wamp.Hello) []wamp.Message {
		return []wamp.Message{&wamp.Challenge{AuthMethod: "wampcra", Extra: wamp.Dict{
			"challenge": `{"nonce":"abc"}`, "salt": "salt", "iterations": int64(iterations), "keylen": int64(32),
		}}}
	}
	for _, tt := range []struct {
		name    string
		a       client.Authenticator
		onHello func(*wamp.Hello) []wamp.Message
	}{
		{"scram", &client.SCRAM{AuthID: "joe", Password: "pw"}, scram},
		{"wampcra", &client.CRA{Secret: "s3cret"}, cra},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var w *r14CancelOnChallenge
			r := &r14Router{onHello: tt.onHello, ctx: ctx, wrap: func(t wamp.Transport) wamp.Transport {
				w = &r14CancelOnChallenge{Transport: t, cancel: cancel}
				return w
			}}
			_, err := r.join(t, client.JoinOptions{AuthID: "joe", Authenticators: []client.Authenticator{tt.a}})
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("err %v, want context.Canceled", err)
			}
			w.mu.Lock()
			defer w.mu.Unlock()
			for _, typ := range w.sent {
				if typ == wamp.TypeAuthenticate {
					t.Fatalf("client sent %v after its ctx ended", w.sent)
				}
			}
		})
	}
}
