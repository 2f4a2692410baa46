package router

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/auth"
	"github.com/autobahn-go/autobahn/wamp/client"
)

// A dynamic Authenticator that returns a SCRAM Password has it derived
// once, not on every HELLO: the Authenticator runs before the client has
// proved anything, and each HELLO (right password or not, many at once)
// made the router run the KDF (Argon2's memory, PBKDF2's CPU) again.
func TestReview15bSCRAMPasswordDerivedOnce(t *testing.T) {
	var derived atomic.Int64
	orig := newSCRAMCredential
	newSCRAMCredential = func(kdf, password, salt string, iterations, memory int) (*auth.SCRAMCredential, error) {
		derived.Add(1)
		return orig(kdf, password, salt, iterations, memory)
	}
	t.Cleanup(func() { newSCRAMCredential = orig })
	r, err := New(Config{Realms: []RealmConfig{{Name: "realm1", Authenticators: map[string]Authenticator{
		"scram": AuthenticatorFunc(func(_ context.Context, req *AuthRequest) (*Principal, error) {
			return &Principal{AuthRole: "user", SCRAM: &SCRAMPrincipal{KDF: auth.KDFArgon2id13, Iterations: 2, Memory: 1024, Password: "pw-" + req.AuthID}}, nil
		}),
	}}}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = r.Close(ctx)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	joinAs := func(authid, password string) error {
		s, err := client.Join(ctx, r.Connect(), "realm1", client.JoinOptions{AuthID: authid,
			Authenticators: []client.Authenticator{&client.SCRAM{AuthID: authid, Password: password}}})
		if err == nil {
			s.Close()
		}
		return err
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 { // concurrent HELLOs, right and wrong passwords
		wg.Go(func() {
			pw := "pw-alice"
			if i%2 == 1 {
				pw = "guess"
			}
			err := joinAs("alice", pw)
			if (err == nil) != (i%2 == 0) {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("join with right password ok / wrong refused expected: %v", err)
	}
	if err := joinAs("alice", "pw-alice"); err != nil {
		t.Fatal(err)
	}
	if n := derived.Load(); n != 1 {
		t.Fatalf("the router derived alice's password %d times for 9 HELLOs, want 1", n)
	}
	// Another principal is another derivation.
	if err := joinAs("bob", "pw-bob"); err != nil {
		t.Fatal(err)
	}
	if n := derived.Load(); n != 2 {
		t.Fatalf("derivations = %d after bob joined, want 2", n)
	}
	var ae *client.AbortError
	if err := joinAs("bob", "wrong"); !errors.As(err, &ae) || ae.Reason != wamp.ErrAuthenticationFailed {
		t.Fatalf("bob with a wrong password: %v", err)
	}
	if n := derived.Load(); n != 2 {
		t.Fatalf("derivations = %d after bob's failed HELLO, want 2", n)
	}
}
