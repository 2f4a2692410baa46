package main

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/examples/internal/exampletest"
	"github.com/autobahn-go/autobahn/internal/leakcheck"
	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// The service joins our router with cryptosign under its principal's
// role, and answers an anonymous caller; a key the router does not know
// is refused.
func TestCryptosignService(t *testing.T) {
	seed := make([]byte, ed25519.SeedSize)
	for i := range seed {
		seed[i] = byte(i)
	}
	seedFile := filepath.Join(t.TempDir(), "service.seed")
	if err := os.WriteFile(seedFile, []byte(hex.EncodeToString(seed)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out := exampletest.NewOutput()
	if err := run(context.Background(), []string{"-seed-file", seedFile, "-pubkey"}, out); err != nil {
		t.Fatal(err)
	}
	pub := strings.TrimSpace(out.String())
	if want := hex.EncodeToString(ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)); pub != want {
		t.Fatalf("-pubkey printed %q, want %q", pub, want)
	}

	r, err := router.New(router.Config{Realms: []router.RealmConfig{{
		Name:           "realm1",
		AllowAnonymous: true,
		Cryptosign:     map[string]router.CryptosignPrincipal{"service": {Role: "backend", AuthorizedKeys: []string{pub}}},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close(context.Background())
	srvURL := serveWS(t, r)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sctx, stop := context.WithCancel(ctx)
	out = exampletest.NewOutput()
	done := make(chan error, 1)
	go func() { done <- run(sctx, []string{"-seed-file", seedFile, "-url", srvURL}, out) }()
	if got := out.WaitLine(t, "ready:"); got != "ready: joined realm1 as service (role backend)" {
		t.Errorf("%q", got)
	}
	caller, err := client.Join(ctx, r.Connect(), "realm1", client.JoinOptions{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := caller.Call(ctx, "com.example.whoami", nil, nil, nil)
	if err != nil || len(res.Args) != 1 || !strings.HasPrefix(res.Args[0].(string), "session ") {
		t.Errorf("whoami: %v, %v", res, err)
	}
	caller.Leave(ctx, "")
	stop()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("run: %v", err)
	}

	// Another key under the same authid: the router refuses the join, and
	// a Component with a retry limit gives up.
	other := make([]byte, ed25519.SeedSize)
	other[0] = 1
	bad := &client.Component{
		Connect: func(context.Context) (wamp.Transport, error) { return r.Connect(), nil },
		Realm:   "realm1",
		Join: client.JoinOptions{AuthID: "service", Authenticators: []client.Authenticator{
			&client.Cryptosign{PrivateKey: ed25519.NewKeyFromSeed(other)},
		}},
		Retry: client.RetryPolicy{MaxRetries: 1, InitialDelay: time.Millisecond},
	}
	if err := bad.Run(ctx); !errors.Is(err, client.ErrRetriesExhausted) {
		t.Errorf("an unknown key: %v, want ErrRetriesExhausted", err)
	}
}
