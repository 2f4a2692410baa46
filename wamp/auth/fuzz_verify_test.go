package auth_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/wamp/auth"
)

// FuzzVerify: the router's checks of what a client sends (the HELLO's
// cryptosign pubkey, the AUTHENTICATE signature of cryptosign, WAMP-CRA
// and WAMP-SCRAM, the SCRAM nonce) take any text without a panic, accept
// what the signing side makes, and accept nothing else: a fuzzed answer
// verifies only when it encodes the very signature or proof.
func FuzzVerify(f *testing.F) {
	seed := bytes.Repeat([]byte{7}, ed25519.SeedSize)
	priv := ed25519.NewKeyFromSeed(seed)
	pub := priv.Public().(ed25519.PublicKey)
	challenge := strings.Repeat("ab", auth.CryptosignChallengeSize)
	chid := auth.CryptosignChannelID([]byte("tls-unique"))
	cred, err := auth.NewSCRAMCredential(auth.KDFPBKDF2, "pw", "salt", 1000, 0)
	if err != nil {
		f.Fatal(err)
	}
	salted, _ := auth.SCRAMSaltedPassword(cred.KDF, "pw", cred.Salt, cred.Iterations, 0)

	sig, _ := auth.CryptosignSign(priv, challenge, nil)
	f.Add(hex.EncodeToString(pub), challenge, sig, false)
	f.Add(strings.ToUpper(hex.EncodeToString(pub)), challenge, sig[:128], false)
	sig, _ = auth.CryptosignSign(priv, challenge, chid)
	f.Add(hex.EncodeToString(pub)+"00", challenge, sig, true)
	msg := auth.SCRAMAuthMessage("user", "cn", "cnsn", cred.Salt, cred.Iterations, "")
	f.Add("zz", msg, auth.SCRAMClientProof(salted, msg), false)
	f.Add("", "cn", "cnsn", false)
	f.Add("", "Y24=", "Y24xMjM0", false)
	f.Add("", "{\"nonce\": 1}", auth.SignCRA([]byte("secret"), "{\"nonce\": 1}"), false)
	f.Fuzz(func(t *testing.T, key, text, answer string, bound bool) {
		// The HELLO's public key.
		if k, err := auth.ParsePublicKey(key); err == nil {
			if len(k) != ed25519.PublicKeySize || hex.EncodeToString(k) != strings.ToLower(key) {
				t.Fatalf("ParsePublicKey(%q) = %x", key, k)
			}
		}

		// Cryptosign: text is the challenge, answer the client's.
		var id []byte
		if bound {
			id = chid
		}
		if own, err := auth.CryptosignSign(priv, text, id); err == nil {
			if !auth.CryptosignVerify(pub, text, id, own) || !auth.CryptosignVerify(pub, text, id, own[:2*ed25519.SignatureSize]) {
				t.Fatalf("challenge %q: own signature refused", text)
			}
			if auth.CryptosignVerify(pub, text, id, answer) {
				got, _ := hex.DecodeString(answer)
				want, _ := hex.DecodeString(own)
				if !bytes.Equal(got[:ed25519.SignatureSize], want[:ed25519.SignatureSize]) {
					t.Fatalf("challenge %q: forged answer %q accepted", text, answer)
				}
			}
		} else if auth.CryptosignVerify(pub, text, id, answer) {
			t.Fatalf("challenge %q cannot be signed (%v), yet %q verifies", text, err, answer)
		}

		// WAMP-SCRAM: text is the AuthMessage, answer the proof.
		proof := auth.SCRAMClientProof(salted, text)
		if !cred.Verify(text, proof) {
			t.Fatalf("AuthMessage %q: own proof refused", text)
		}
		if cred.Verify(text, answer) {
			got, _ := base64.StdEncoding.DecodeString(answer)
			want, _ := base64.StdEncoding.DecodeString(proof)
			if !bytes.Equal(got, want) {
				t.Fatalf("AuthMessage %q: forged proof %q accepted", text, answer)
			}
		}
		if !auth.SCRAMVerifyServer(salted, text, cred.ServerSignature(text)) {
			t.Fatalf("AuthMessage %q: server signature refused", text)
		}

		// WAMP-CRA: text is the challenge.
		if auth.VerifyCRA([]byte(key), text, answer) != (answer == auth.SignCRA([]byte(key), text)) {
			t.Fatalf("VerifyCRA(%q, %q, %q) disagrees with SignCRA", key, text, answer)
		}

		// The SCRAM nonce: the router's extends the client's; a client
		// takes the router's only when it extends its own.
		if text != "" && !auth.SCRAMNonceExtends(text, auth.SCRAMServerNonce(text)) {
			t.Fatalf("nonce %q: own server nonce refused", text)
		}
		if auth.SCRAMNonceExtends(text, answer) && !strings.HasPrefix(answer, text) {
			c, err1 := base64.StdEncoding.DecodeString(text)
			s, err2 := base64.StdEncoding.DecodeString(answer)
			if err1 != nil || err2 != nil || len(c) == 0 || len(s) <= len(c) || !bytes.Equal(s[:len(c)], c) {
				t.Fatalf("nonce %q taken as extended by %q", text, answer)
			}
		}
	})
}
