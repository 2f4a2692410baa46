package client_test

import (
	"context"
	"crypto/ed25519"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/auth"
	"github.com/autobahn-go/autobahn/wamp/client"
)

// FuzzChallenge: a client's authenticators take any CHALLENGE a router
// sends (WAMP-CRA with or without a salt, WAMP-SCRAM, cryptosign, ticket;
// the fields of any type) without a panic and within bounded time: a
// signature, or an error. Costs the client accepts by its own rules (the
// SCRAM limits, auth.SCRAMSaltedPassword's) but that take seconds are left
// out, to keep the target fast; everything else runs under a watchdog, so
// that a challenge the client would work on for ever fails as a hang.
func FuzzChallenge(f *testing.F) {
	f.Add(uint8(0), "challenge", "salt", int64(1000), int64(32), "", "", int64(0), uint8(0xff))
	f.Add(uint8(0), `{"nonce": "x"}`, "", int64(0), int64(0), "", "", int64(0), uint8(0xff))
	f.Add(uint8(0), "c", "s", int64(-1), int64(4096), "", "", int64(0), uint8(0x0f))
	f.Add(uint8(1), "", "c2FsdA==", int64(4096), int64(0), "pbkdf2", "abc", int64(0), uint8(0xff))
	f.Add(uint8(1), "", "c2FsdA==", int64(2), int64(0), "argon2id-13", "abc", int64(1024), uint8(0xff))
	f.Add(uint8(1), "", "salt", int64(1000), int64(0), "argon2id13", "", int64(512), uint8(0x7f))
	f.Add(uint8(1), "", "salt", int64(1000), int64(0), "sha1", "x", int64(0), uint8(0xff))
	f.Add(uint8(2), "abababababababababababababababababababababababababababababababab", "", int64(0), int64(0), "", "", int64(0), uint8(0xff))
	f.Add(uint8(3), "", "", int64(0), int64(0), "", "", int64(0), uint8(0))
	f.Fuzz(func(t *testing.T, method uint8, challenge, salt string, iterations, keylen int64, kdf, nonceTail string, memory int64, present uint8) {
		var a client.Authenticator
		switch method % 4 {
		case 0:
			a = &client.CRA{Secret: "secret"}
		case 1:
			a = &client.SCRAM{AuthID: "user", Password: "pw"}
		case 2:
			a = &client.Cryptosign{PrivateKey: ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))}
		case 3:
			a = &client.Ticket{Ticket: "t"}
		}
		hello, err := a.HelloExtra(nil)
		if err != nil {
			t.Fatal(err)
		}
		cn, _ := hello["nonce"].(string)
		extra := wamp.Dict{}
		// present: which fields the challenge has; the top bit sends the
		// numbers as floats (JSON's numbers) instead of integers.
		num := func(v int64) any {
			if present&0x80 != 0 {
				return float64(v)
			}
			return v
		}
		for i, kv := range []struct {
			k string
			v any
		}{{"challenge", challenge}, {"salt", salt}, {"iterations", num(iterations)}, {"keylen", num(keylen)},
			{"kdf", kdf}, {"nonce", cn + nonceTail}, {"memory", num(memory)}} {
			if present&(1<<i) != 0 {
				extra[kv.k] = kv.v
			}
		}
		if expensive(method%4, extra) {
			return
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			_, _, _ = a.Authenticate(context.Background(), &wamp.Challenge{AuthMethod: a.Method(), Extra: extra})
		}()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: no answer to %v in 5 s", a.Method(), extra)
		}
	})
}

// expensive reports whether the client's own rules accept the challenge's
// costs but they take long to pay: WAMP-SCRAM within its limits (PBKDF2
// iterations up to 1<<24, Argon2 up to DefaultSCRAMMaxArgon2Memory and SCRAMMaxArgon2Work), WAMP-CRA within the same
// PBKDF2 work.
func expensive(method uint8, extra wamp.Dict) bool {
	it, _ := wamp.AsInt64(extra["iterations"])
	mem, _ := wamp.AsInt64(extra["memory"])
	switch method {
	case 0:
		kl, ok := wamp.AsInt64(extra["keylen"])
		if !ok || kl <= 0 || kl > 1024 {
			kl = 32
		}
		work := it * ((kl + 31) / 32)
		return it > 0 && work > 1<<16 && work <= 1<<24 && it <= 1<<24
	case 1:
		kdf, _ := extra["kdf"].(string)
		if kdf == auth.KDFPBKDF2 {
			return it > 1<<16 && it <= 1<<24
		}
		return it > 0 && it <= 1<<16 && mem > 0 && mem <= 1<<22 && it*mem > 1<<14
	}
	return false
}
