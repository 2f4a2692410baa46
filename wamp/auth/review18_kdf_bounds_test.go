package auth_test

import (
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/wamp/auth"
)

// DeriveCRAKey and SCRAMSaltedPassword bound the work a peer's parameters
// can ask for themselves, as wamp/client and the router do: a client or
// router written on this package alone derived whatever a hostile CHALLENGE
// (or HELLO-time configuration) asked, e.g. WAMP-CRA iterations of 1<<40,
// or Argon2 with 65536 passes over 4 GiB.
func TestReview18KDFBounds(t *testing.T) {
	refused := []struct {
		name string
		f    func() error
		want string
	}{
		{"cra iterations", func() error {
			_, err := auth.DeriveCRAKey("pw", "salt", auth.MaxPBKDF2Work+1, 32)
			return err
		}, "MaxPBKDF2Work"},
		{"cra work", func() error {
			_, err := auth.DeriveCRAKey("pw", "salt", auth.MaxPBKDF2Work/32+1, 1024)
			return err
		}, "MaxPBKDF2Work"},
		{"scram pbkdf2", func() error {
			_, err := auth.SCRAMSaltedPassword(auth.KDFPBKDF2, "pw", "salt", auth.MaxPBKDF2Work+1, 0)
			return err
		}, "MaxPBKDF2Work"},
		{"scram argon2 work", func() error {
			_, err := auth.SCRAMSaltedPassword(auth.KDFArgon2id13, "pw", "c2FsdHNhbHQ=", 1<<16, auth.MaxArgon2Work>>16+1)
			return err
		}, "MaxArgon2Work"},
		{"scram argon2 memory", func() error {
			_, err := auth.SCRAMSaltedPassword(auth.KDFArgon2id13, "pw", "c2FsdHNhbHQ=", 1, auth.MaxArgon2Memory+1)
			return err
		}, "MaxArgon2Memory"},
	}
	for _, tc := range refused {
		if err := tc.f(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v; want refused, naming %s", tc.name, err, tc.want)
		}
	}
	// At the bounds' edges (cheap ones) and at Crossbar's usual costs the
	// derivations are done.
	if _, err := auth.DeriveCRAKey("pw", "salt", auth.DefaultCRAIterations, 1024); err != nil {
		t.Errorf("DeriveCRAKey at Crossbar's iterations, keylen 1024: %v", err)
	}
	if _, err := auth.SCRAMSaltedPassword(auth.KDFArgon2id13, "pw", "c2FsdHNhbHQ=", 4, 512); err != nil {
		t.Errorf("SCRAMSaltedPassword argon2id-13 4 x 512 KiB: %v", err)
	}
	if _, err := auth.SCRAMSaltedPassword(auth.KDFPBKDF2, "pw", "salt", 1000, 0); err != nil {
		t.Errorf("SCRAMSaltedPassword pbkdf2 1000: %v", err)
	}
}
