package auth_test

import (
	"crypto/ed25519"
	"encoding/hex"
	"math/big"
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/wamp/auth"
)

// edwardsSmallOrderY returns the y coordinates of edwards25519's points of
// order dividing 8, computed from the curve -x²+y² = 1+dx²y²: 1 (neutral),
// p-1 (order 2), 0 (order 4, x² = -1) and the two y of order 8, whose
// double has y = 0, i.e. y² = -x², so d·y⁴ + 2y² - 1 = 0.
func edwardsSmallOrderY(t *testing.T) (p *big.Int, ys []*big.Int) {
	p = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19))
	d := new(big.Int).Mul(big.NewInt(-121665), new(big.Int).ModInverse(big.NewInt(121666), p))
	d.Mod(d, p)
	ys = []*big.Int{big.NewInt(1), new(big.Int).Sub(p, big.NewInt(1)), big.NewInt(0)}
	disc := new(big.Int).Mod(new(big.Int).Add(big.NewInt(1), d), p) // (4+4d)/4
	s := new(big.Int).ModSqrt(disc, p)
	if s == nil {
		t.Fatal("1+d has no square root")
	}
	dinv := new(big.Int).ModInverse(d, p)
	for _, sign := range []int64{1, -1} {
		y2 := new(big.Int).Mul(new(big.Int).Add(big.NewInt(-1), new(big.Int).Mul(big.NewInt(sign), s)), dinv)
		y2.Mod(y2, p)
		if y := new(big.Int).ModSqrt(y2, p); y != nil {
			ys = append(ys, y, new(big.Int).Sub(p, y))
		}
	}
	if len(ys) != 5 {
		t.Fatalf("found %d small-order y, want 5", len(ys))
	}
	return p, ys
}

// encodeY is the 32-octet little-endian encoding of y with x's sign bit.
func encodeY(y *big.Int, sign bool) []byte {
	b := make([]byte, 32)
	be := y.Bytes()
	for i := range be {
		b[i] = be[len(be)-1-i]
	}
	if sign {
		b[31] |= 0x80
	}
	return b
}

// ParsePublicKey took weak Ed25519 keys, points of small order, for which
// ed25519.Verify (cofactorless, no check of A) accepts signatures nobody
// had to own a key for: with the neutral point as key, R = the neutral
// point and S = 0 verify for every message. A router whose principal
// (static, or from a dynamic authenticator's user store) held such a key
// let anyone log in as it. ParsePublicKey now refuses them (and
// non-canonical encodings), and CryptosignVerify verifies nothing for them.
func TestReview18WeakEd25519Keys(t *testing.T) {
	neutral := make([]byte, 32)
	neutral[0] = 1
	forged := append(append([]byte{}, neutral...), make([]byte, 32)...) // R = neutral, S = 0
	challenge, err := auth.CryptosignChallenge()
	if err != nil {
		t.Fatal(err)
	}
	data, _ := hex.DecodeString(challenge)
	if !ed25519.Verify(neutral, data, forged) {
		t.Fatal("premise: ed25519.Verify refuses the forged signature for the neutral key")
	}
	if _, err := auth.ParsePublicKey(hex.EncodeToString(neutral)); err == nil {
		t.Error("ParsePublicKey accepted the neutral point as a key")
	}
	if auth.CryptosignVerify(neutral, challenge, nil, hex.EncodeToString(forged)) {
		t.Error("CryptosignVerify accepted a signature anyone can make")
	}

	p, ys := edwardsSmallOrderY(t)
	var weak [][]byte
	for _, y := range ys {
		weak = append(weak, encodeY(y, false), encodeY(y, true))
	}
	// Non-canonical: y from p to 2^255-1 (p+0 and p+1 encode the small-order 0 and 1).
	for i := int64(0); i < 19; i++ {
		weak = append(weak, encodeY(new(big.Int).Add(p, big.NewInt(i)), i%2 == 1))
	}
	for _, k := range weak {
		if _, err := auth.ParsePublicKey(hex.EncodeToString(k)); err == nil {
			t.Errorf("ParsePublicKey accepted the weak key %x", k)
		}
	}

	// Keys made as Ed25519 says are taken (upper-case hex too).
	for i := 0; i < 64; i++ {
		pub, priv, err := ed25519.GenerateKey(nil)
		if err != nil {
			t.Fatal(err)
		}
		text := hex.EncodeToString(pub)
		if i%2 == 1 {
			text = strings.ToUpper(text)
		}
		got, err := auth.ParsePublicKey(text)
		if err != nil {
			t.Fatalf("ParsePublicKey(%x): %v", pub, err)
		}
		sig, err := auth.CryptosignSign(priv, challenge, nil)
		if err != nil || !auth.CryptosignVerify(got, challenge, nil, sig) {
			t.Fatalf("a genuine key's answer does not verify: %v", err)
		}
	}
}
