package client_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/auth"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// TestReview14SCRAMArgon2CostRefused: a router may not make the client
// derive an Argon2 hash with more memory than SCRAM.MaxArgon2Memory
// (default 64 MiB) or more work than SCRAMMaxArgon2Work; the client
// refuses with an error naming the limit, and tells the router (ABORT).
func TestReview14SCRAMArgon2CostRefused(t *testing.T) {
	for _, tt := range []struct {
		name               string
		iterations, memory int64
		maxMemory          int
		want               string
	}{
		{name: "128 MiB", iterations: 1, memory: 128 << 10, want: "more than 65536 (SCRAM.MaxArgon2Memory)"},
		{name: "128 MiB over a raised limit", iterations: 1, memory: 128 << 10, maxMemory: 96 << 10, want: "more than 98304 (SCRAM.MaxArgon2Memory)"},
		{name: "4 GiB", iterations: 1, memory: 1 << 22, want: "more than 65536"},
		{name: "work", iterations: client.SCRAMMaxArgon2Work/(4<<10) + 1, memory: 4 << 10, want: "more work than 8388608 (SCRAMMaxArgon2Work)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := &r14Router{onHello: func(h *wamp.Hello) []wamp.Message {
				return []wamp.Message{&wamp.Challenge{AuthMethod: "scram", Extra: wamp.Dict{
					"nonce": r14ClientNonce(h) + "srv", "salt": "c2FsdHNhbHRzYWx0c2FsdA==", "kdf": auth.KDFArgon2id13,
					"iterations": tt.iterations, "memory": tt.memory,
				}}}
			}}
			a := &client.SCRAM{AuthID: "joe", Password: "pw", MaxArgon2Memory: tt.maxMemory}
			_, err := r.join(t, client.JoinOptions{AuthID: "joe", Authenticators: []client.Authenticator{a}})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err %v, want %q", err, tt.want)
			}
			seen := r.stopped()
			if ab, ok := seen[len(seen)-1].(*wamp.Abort); !ok || ab.Reason != wamp.ErrAuthenticationFailed {
				t.Fatalf("router got %v last, want ABORT authentication_failed", seen[len(seen)-1])
			}
		})
	}
}

// TestReview14SCRAMArgon2CostAccepted: the costs routers use by default
// still pass the limits, against our router: Autobahn|Python's and
// Crossbar's (argon2id-13, 4096 iterations of 512 KiB), RFC 9106's second
// recommendation (3 of 64 MiB), PBKDF2; and a raised MaxArgon2Memory lets
// a router ask for more memory.
func TestReview14SCRAMArgon2CostAccepted(t *testing.T) {
	principals := map[string]router.SCRAMPrincipal{
		"crossbar": {KDF: auth.KDFArgon2id13, Iterations: 4096, Memory: 512, Password: "pw"},
		"rfc9106":  {KDF: auth.KDFArgon2id13, Iterations: 3, Memory: 64 << 10, Password: "pw"},
		"pbkdf2":   {KDF: auth.KDFPBKDF2, Iterations: 4096, Password: "pw"},
		"big":      {KDF: auth.KDFArgon2id13, Iterations: 1, Memory: 96 << 10, Password: "pw"},
	}
	// Each join derives Argon2 hashes of up to 2 GiB of work, client and
	// router: 4.6 s for crossbar's under -race at a load of 19 on 2
	// cores, past 10 s with more at once, which cut the join (the
	// router's HelloTimeout and ctxT's 10 s). A minute bounds a hang.
	const budget = time.Minute
	rt, err := router.New(router.Config{HelloTimeout: budget, Realms: []router.RealmConfig{{Name: "realm1", SCRAM: principals}}})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(context.Background())
	for _, tt := range []struct {
		authid    string
		maxMemory int
	}{{"crossbar", 0}, {"rfc9106", 0}, {"pbkdf2", 0}, {"big", 96 << 10}} {
		t.Run(tt.authid, func(t *testing.T) {
			a := &client.SCRAM{AuthID: tt.authid, Password: "pw", MaxArgon2Memory: tt.maxMemory}
			ctx, cancel := context.WithTimeout(context.Background(), budget)
			defer cancel()
			s, err := client.Join(ctx, rt.Connect(), "realm1", client.JoinOptions{AuthID: tt.authid, Authenticators: []client.Authenticator{a}})
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Details()["authid"]; got != tt.authid {
				t.Errorf("authid %v, want %s", got, tt.authid)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}
