package auth_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/internal/leakcheck"
	"github.com/autobahn-go/autobahn/wamp/auth"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// flips returns s with each octet changed in turn (one bit), for the
// "any altered byte fails" checks.
func flips(b []byte) [][]byte {
	var out [][]byte
	for i := range b {
		c := append([]byte(nil), b...)
		c[i] ^= 0x01
		out = append(out, c)
	}
	return out
}

func TestVerifyTicket(t *testing.T) {
	for _, tt := range []struct {
		want, got string
		ok        bool
	}{
		{"s3cret", "s3cret", true},
		{"s3cret", "s3creT", false},
		{"s3cret", "s3cre", false},
		{"s3cret", "", false},
		{"", "", true},
	} {
		if got := auth.VerifyTicket(tt.want, tt.got); got != tt.ok {
			t.Errorf("VerifyTicket(%q, %q) = %v", tt.want, tt.got, got)
		}
	}
}

// TestCRAVectors: the values were computed with Python (hashlib.pbkdf2_hmac,
// hmac, base64), as Autobahn's derive_key and compute_wcs do.
func TestCRAVectors(t *testing.T) {
	for _, tt := range []struct {
		secret, salt       string
		iterations, keylen int
		key                string // "" for unsalted: the secret is the key
		challenge, sig     string
	}{
		{"secret123", "salt123", 100, 16, "DpHHRlQ6UNULJlP9J8WkPw==", `{"x":1}`, "lRmy3MOI3QvYfjbtuHmFyzty99vdZZ36pGjpQPw1Na4="},
	} {
		key, err := auth.DeriveCRAKey(tt.secret, tt.salt, tt.iterations, tt.keylen)
		if err != nil || string(key) != tt.key {
			t.Fatalf("DeriveCRAKey = %s, %v; want %s", key, err, tt.key)
		}
		if sig := auth.SignCRA(key, tt.challenge); sig != tt.sig {
			t.Fatalf("SignCRA = %s, want %s", sig, tt.sig)
		}
		if !auth.VerifyCRA(key, tt.challenge, tt.sig) {
			t.Fatal("VerifyCRA refused the right signature")
		}
		raw, _ := base64.StdEncoding.DecodeString(tt.sig)
		for _, b := range flips(raw) {
			if auth.VerifyCRA(key, tt.challenge, base64.StdEncoding.EncodeToString(b)) {
				t.Fatal("VerifyCRA accepted an altered signature")
			}
		}
		for _, c := range flips([]byte(tt.challenge)) {
			if auth.VerifyCRA(key, string(c), tt.sig) {
				t.Fatal("VerifyCRA accepted a signature of another challenge")
			}
		}
	}
	for _, bad := range [][2]int{{0, 32}, {1, 0}, {1, 2000}} {
		if _, err := auth.DeriveCRAKey("s", "salt", bad[0], bad[1]); err == nil {
			t.Errorf("DeriveCRAKey(iterations %d, keylen %d) accepted", bad[0], bad[1])
		}
	}
}

func TestCRAChallenge(t *testing.T) {
	ts := time.Date(2026, 12, 6, 1, 2, 3, 456789000, time.FixedZone("X", 3600))
	got, err := auth.CRAChallenge(auth.CRAChallengeInfo{
		AuthID: "joe", AuthRole: "user", AuthProvider: "static", Session: 3251278072152162,
		Nonce: "n<&>", Timestamp: ts,
	})
	if err != nil {
		t.Fatal(err)
	}
	// Python: json.dumps(obj, ensure_ascii=False), keys in Crossbar's order.
	want := `{"authid": "joe", "authrole": "user", "authmethod": "wampcra", "authprovider": "static", "session": 3251278072152162, "nonce": "n<&>", "timestamp": "2026-12-06T00:02:03.456Z"}`
	if got != want {
		t.Fatalf("CRAChallenge =\n%s\nwant\n%s", got, want)
	}
	// Fresh nonces and a parseable object.
	a, _ := auth.CRAChallenge(auth.CRAChallengeInfo{AuthID: "j\u00f6e \"q\"", AuthRole: "user", AuthProvider: "static", Session: 1})
	b, _ := auth.CRAChallenge(auth.CRAChallengeInfo{AuthID: "j\u00f6e \"q\"", AuthRole: "user", AuthProvider: "static", Session: 1})
	var m map[string]any
	if err := json.Unmarshal([]byte(a), &m); err != nil {
		t.Fatalf("%s: %v", a, err)
	}
	if m["authid"] != "j\u00f6e \"q\"" || len(m["nonce"].(string)) != 64 || a == b || !strings.Contains(a, "j\u00f6e") {
		t.Fatalf("challenge %s", a)
	}
}

// TestSCRAMKDF checks the key derivation against Autobahn|Python's own test
// vectors (autobahn/wamp/test/test_wamp_auth.py: test_argon2id_static,
// test_pbkdf2_static).
func TestSCRAMKDF(t *testing.T) {
	for _, tt := range []struct {
		kdf, salt          string
		iterations, memory int
		want               string // hex of the hash
		base64Text         bool
	}{
		{auth.KDFArgon2id13, base64.StdEncoding.EncodeToString([]byte("1234567890abcdef")), 32, 512,
			"ee4a8acf9d5958354fb79a95ae20692d05e42591ba49fae85eb6700e8b0ed293", true},
		{auth.KDFPBKDF2, "1234567890abcdef", 8, 0, "f6991a28c75f43751e0d75499fd7b8649f659118ddc1d61cee5883af547d15f5", false},
	} {
		got, err := auth.SCRAMSaltedPassword(tt.kdf, "p4ssw0rd", tt.salt, tt.iterations, tt.memory)
		if err != nil {
			t.Fatal(err)
		}
		if tt.base64Text {
			if got, err = base64.RawStdEncoding.DecodeString(string(got)); err != nil {
				t.Fatal(err)
			}
		}
		if hex.EncodeToString(got) != tt.want {
			t.Errorf("%s: %x, want %s", tt.kdf, got, tt.want)
		}
	}
	for _, tt := range []struct {
		kdf, salt          string
		iterations, memory int
		want               string
	}{
		{"scrypt", "c2FsdA==", 1000, 0, "unsupported scram kdf"},
		{auth.KDFArgon2id13, "c2FsdA==", 1, 0, "needs memory"},
		{auth.KDFArgon2id13, "not base64!", 1, 512, "not base64"},
		{auth.KDFPBKDF2, "salt", 0, 0, "iterations"},
	} {
		if _, err := auth.SCRAMSaltedPassword(tt.kdf, "pw", tt.salt, tt.iterations, tt.memory); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err %v, want %q", tt.kdf, err, tt.want)
		}
	}
}

// TestSCRAMRoundTrip: the router's credential verifies what the client
// computes, the client verifies the router's signature, and any altered
// octet (proof, signature, AuthMessage) fails.
func TestSCRAMRoundTrip(t *testing.T) {
	for _, tt := range []struct {
		kdf                string
		iterations, memory int
		cbType             string
		cbData             []byte
	}{
		{auth.KDFPBKDF2, 1000, 0, "", nil},
		{auth.KDFArgon2id13, 1, 512, "", nil},
		{auth.KDFPBKDF2, 1000, 0, auth.BindTLSExporter, []byte("0123456789abcdef0123456789abcdef")},
	} {
		cred, err := auth.NewSCRAMCredential(tt.kdf, "pw", "", tt.iterations, tt.memory)
		if err != nil {
			t.Fatal(err)
		}
		cn := auth.SCRAMNonce()
		sn := auth.SCRAMServerNonce(cn)
		if !auth.SCRAMNonceExtends(cn, sn) {
			t.Fatal("server nonce does not extend the client's")
		}
		authID, _ := auth.SASLprep("joe")
		msg := auth.SCRAMAuthMessage(authID, cn, sn, cred.Salt, cred.Iterations, auth.SCRAMCBind(tt.cbType, tt.cbData))
		salted, err := auth.SCRAMSaltedPassword(cred.KDF, "pw", cred.Salt, cred.Iterations, cred.Memory)
		if err != nil {
			t.Fatal(err)
		}
		proof := auth.SCRAMClientProof(salted, msg)
		if !cred.Verify(msg, proof) {
			t.Fatalf("%s: the right proof does not verify", tt.kdf)
		}
		sig := cred.ServerSignature(msg)
		if !auth.SCRAMVerifyServer(salted, msg, sig) {
			t.Fatalf("%s: the router's signature does not verify", tt.kdf)
		}
		raw, _ := base64.StdEncoding.DecodeString(proof)
		for _, b := range flips(raw) {
			if cred.Verify(msg, base64.StdEncoding.EncodeToString(b)) {
				t.Fatal("an altered proof verified")
			}
		}
		for _, m := range flips([]byte(msg)) {
			if cred.Verify(string(m), proof) {
				t.Fatal("a proof verified for another AuthMessage")
			}
		}
		rawSig, _ := base64.StdEncoding.DecodeString(sig)
		for _, b := range flips(rawSig) {
			if auth.SCRAMVerifyServer(salted, msg, base64.StdEncoding.EncodeToString(b)) {
				t.Fatal("an altered server signature verified")
			}
		}
		other, _ := auth.SCRAMSaltedPassword(cred.KDF, "pW", cred.Salt, cred.Iterations, cred.Memory)
		if cred.Verify(msg, auth.SCRAMClientProof(other, msg)) {
			t.Fatal("the proof of another password verified")
		}
		if cred.Verify(msg, "") || cred.Verify(msg, "not base64") {
			t.Fatal("a malformed proof verified")
		}
	}
}

// TestSCRAMAuthMessage pins the AuthMessage layout (Autobahn's and
// Crossbar's) and the c= attribute with a binding (RFC 5802 gs2 header).
func TestSCRAMAuthMessage(t *testing.T) {
	got := auth.SCRAMAuthMessage("joe", "CN", "CNSN", "c2FsdA==", 4096, "")
	if want := "n=joe,r=CN,r=CNSN,s=c2FsdA==,i=4096,c=,r=CNSN"; got != want {
		t.Fatalf("%s, want %s", got, want)
	}
	if c := auth.SCRAMCBind("tls-unique", []byte{1, 2}); c != base64.StdEncoding.EncodeToString([]byte("p=tls-unique,,\x01\x02")) {
		t.Fatalf("cbind %s", c)
	}
}

func TestSCRAMNonceExtends(t *testing.T) {
	cnRaw := []byte("0123456789abcdef")
	cn := base64.StdEncoding.EncodeToString(cnRaw)
	crossbar := base64.StdEncoding.EncodeToString(append(append([]byte(nil), cnRaw...), "fedcba9876543210"...))
	for _, tt := range []struct {
		cn, sn string
		ok     bool
	}{
		{cn, cn + "SRV", true},
		{cn, crossbar, true}, // Crossbar: base64(client octets || server octets)
		{cn, cn, false},
		{cn, "x" + cn, false},
		{"", "abc", false},
		{cn, base64.StdEncoding.EncodeToString(append([]byte("1123456789abcdef"), "fedcba9876543210"...)), false},
	} {
		if got := auth.SCRAMNonceExtends(tt.cn, tt.sn); got != tt.ok {
			t.Errorf("SCRAMNonceExtends(%q, %q) = %v", tt.cn, tt.sn, got)
		}
	}
}

func TestCryptosign(t *testing.T) {
	seed, _ := hex.DecodeString("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60") // RFC 8032 test 1
	priv := ed25519.NewKeyFromSeed(seed)
	pub := priv.Public().(ed25519.PublicKey)
	if hex.EncodeToString(pub) != "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a" {
		t.Fatalf("public key %x", pub)
	}
	pk, err := auth.ParsePublicKey(hex.EncodeToString(pub))
	if err != nil || !pk.Equal(pub) {
		t.Fatal(pk, err)
	}
	_, otherPriv, _ := ed25519.GenerateKey(nil)
	unique := []byte("tls-unique-finished")
	cid := auth.CryptosignChannelID(unique)
	if want := sha256.Sum256(unique); string(cid) != string(want[:]) {
		t.Fatal("channel ID is not SHA-256(tls-unique)")
	}
	for _, channelID := range [][]byte{nil, cid} {
		ch, err := auth.CryptosignChallenge()
		if err != nil || len(ch) != 64 {
			t.Fatal(ch, err)
		}
		answer, err := auth.CryptosignSign(priv, ch, channelID)
		if err != nil || len(answer) != 192 {
			t.Fatal(answer, err)
		}
		if !auth.CryptosignVerify(pub, ch, channelID, answer) {
			t.Fatal("the right answer does not verify")
		}
		if !auth.CryptosignVerify(pub, ch, channelID, answer[:128]) {
			t.Fatal("the bare signature does not verify")
		}
		raw, _ := hex.DecodeString(answer)
		for _, b := range flips(raw) {
			if auth.CryptosignVerify(pub, ch, channelID, hex.EncodeToString(b)) {
				t.Fatal("an altered answer verified")
			}
		}
		chRaw, _ := hex.DecodeString(ch)
		for _, b := range flips(chRaw) {
			if auth.CryptosignVerify(pub, hex.EncodeToString(b), channelID, answer) {
				t.Fatal("an answer to another challenge verified")
			}
		}
		if alt := flips(cid)[0]; auth.CryptosignVerify(pub, ch, alt, answer) {
			t.Fatal("an answer verified on another channel")
		}
		otherAnswer, _ := auth.CryptosignSign(otherPriv, ch, channelID)
		if auth.CryptosignVerify(pub, ch, channelID, otherAnswer) {
			t.Fatal("another key's answer verified")
		}
	}
	// Deterministic (Ed25519): a known answer for a fixed challenge.
	ch := strings.Repeat("00", 32)
	a1, _ := auth.CryptosignSign(priv, ch, nil)
	a2, _ := auth.CryptosignSign(priv, ch, nil)
	if a1 != a2 || !strings.HasSuffix(a1, ch) {
		t.Fatalf("answer %s", a1)
	}
	if _, err := auth.CryptosignSign(priv, "abcd", nil); err == nil {
		t.Fatal("short challenge accepted")
	}
	if _, err := auth.CryptosignSign(priv[:10], ch, nil); err == nil {
		t.Fatal("bad key accepted")
	}
	if _, err := auth.ParsePublicKey("abcd"); err == nil {
		t.Fatal("short public key accepted")
	}
}

func TestChannelBindingData(t *testing.T) {
	for _, tt := range []struct {
		st   tls.ConnectionState
		typ  string
		want string
	}{
		{tls.ConnectionState{Version: tls.VersionTLS13}, auth.BindTLSUnique, "TLS 1.3 has none"},
		{tls.ConnectionState{Version: tls.VersionTLS12}, auth.BindTLSExporter, "tls-exporter needs TLS 1.3"},
		{tls.ConnectionState{Version: tls.VersionTLS13}, auth.BindTLSServerEndPoint, "no certificate"},
		{tls.ConnectionState{Version: tls.VersionTLS13, PeerCertificates: []*x509.Certificate{{SignatureAlgorithm: x509.PureEd25519}}},
			auth.BindTLSServerEndPoint, "undefined for Ed25519"},
		{tls.ConnectionState{Version: tls.VersionTLS13}, "tls-foo", `unsupported channel binding "tls-foo"`},
	} {
		if _, err := auth.ChannelBindingData(tt.st, tt.typ); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err %v, want %q", tt.typ, err, tt.want)
		}
	}
	d, err := auth.ChannelBindingData(tls.ConnectionState{Version: tls.VersionTLS12, TLSUnique: []byte{1, 2, 3}}, auth.BindTLSUnique)
	if err != nil || string(d) != "\x01\x02\x03" {
		t.Fatal(d, err)
	}
	cert := &x509.Certificate{Raw: []byte("der"), SignatureAlgorithm: x509.ECDSAWithSHA256}
	sum := sha256.Sum256(cert.Raw)
	if d, err := auth.TLSServerEndPoint(cert); err != nil || string(d) != string(sum[:]) {
		t.Fatal(d, err)
	}
}

// TestSCRAMVector is one whole exchange computed independently in Python
// with hashlib and hmac only, following Autobahn's AuthScram.on_challenge
// (client) and Crossbar's PendingAuthScram (router: salt in hex, stored
// and server keys in hex, server nonce = base64(client nonce octets ||
// server octets)).
func TestSCRAMVector(t *testing.T) {
	const (
		cn        = "MDEyMzQ1Njc4OWFiY2RlZg==" // base64("0123456789abcdef")
		sn        = "MDEyMzQ1Njc4OWFiY2RlZmZlZGNiYTk4NzY1NDMyMTA="
		salt      = "ABEiM0RVZneImaq7zN3u/w==" // hex 00112233445566778899aabbccddeeff
		proof     = "iCihi1vstEzgFDpRV+NGX7leN07rn9gqlgd94qHx+WA="
		serverSig = "tidKPLJif9ut3iiYSGY07gbqOHwS3gRrWPAtMgfsQJ0="
		stored    = "d5dcb0fcad70380639f5863774ef8db5c9130bf72f45429968fcf710f2bae25a"
		server    = "1ddfc910d347402020b5569ec14123f7d2f54e671aad078120613a24300daa42"
	)
	if !auth.SCRAMNonceExtends(cn, sn) {
		t.Fatal("Crossbar's server nonce refused")
	}
	msg := auth.SCRAMAuthMessage("joe", cn, sn, salt, 4096, "")
	salted, err := auth.SCRAMSaltedPassword(auth.KDFPBKDF2, "p4ssw0rd", salt, 4096, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := auth.SCRAMClientProof(salted, msg); got != proof {
		t.Fatalf("proof %s, want %s", got, proof)
	}
	cred, err := auth.NewSCRAMCredential(auth.KDFPBKDF2, "p4ssw0rd", salt, 4096, 0)
	if err != nil {
		t.Fatal(err)
	}
	if hex.EncodeToString(cred.StoredKey) != stored || hex.EncodeToString(cred.ServerKey) != server {
		t.Fatalf("keys %x %x", cred.StoredKey, cred.ServerKey)
	}
	if !cred.Verify(msg, proof) || cred.ServerSignature(msg) != serverSig || !auth.SCRAMVerifyServer(salted, msg, serverSig) {
		t.Fatal("the vector does not verify")
	}
}
