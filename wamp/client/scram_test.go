package client_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"io"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/rawsocket"
)

// testCert is a self-signed server certificate for "localhost" and what
// RFC 5929 §4.1 makes of it: the hash of its DER bytes.
type testCert struct {
	cert      tls.Certificate
	pool      *x509.CertPool
	endPoint  []byte // tls-server-end-point binding data
	algorithm x509.SignatureAlgorithm
}

func newTestCert(t *testing.T, alg x509.SignatureAlgorithm) *testCert {
	t.Helper()
	var (
		pub  any
		priv any
	)
	switch alg {
	case x509.ECDSAWithSHA256:
		k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		pub, priv = &k.PublicKey, k
	case x509.ECDSAWithSHA384:
		k, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
		pub, priv = &k.PublicKey, k
	case x509.PureEd25519:
		p, k, _ := ed25519.GenerateKey(rand.Reader)
		pub, priv = p, k
	default:
		t.Fatalf("no test certificate for %v", alg)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"}, DNSNames: []string{"localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, IsCA: true, BasicConstraintsValid: true,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, SignatureAlgorithm: alg,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, priv)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil || leaf.SignatureAlgorithm != alg {
		t.Fatalf("certificate: %v, %v", leaf.SignatureAlgorithm, err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	c := &testCert{cert: tls.Certificate{Certificate: [][]byte{der}, PrivateKey: priv, Leaf: leaf}, pool: pool, algorithm: alg}
	switch alg {
	case x509.ECDSAWithSHA256:
		sum := sha256.Sum256(der)
		c.endPoint = sum[:]
	case x509.ECDSAWithSHA384:
		sum := sha512.Sum384(der)
		c.endPoint = sum[:]
	}
	return c
}

// routerBinding is the router's channel binding data, from its own side of
// the TLS connection.
func routerBinding(st tls.ConnectionState, c *testCert, typ string) []byte {
	switch typ {
	case "tls-unique":
		return st.TLSUnique
	case "tls-exporter":
		b, err := st.ExportKeyingMaterial("EXPORTER-Channel-Binding", nil, 32)
		if err != nil {
			return nil
		}
		return b
	case "tls-server-end-point":
		return c.endPoint
	}
	return nil
}

// serveRouter serves r over RawSocket (JSON) to the first connection on a
// new 127.0.0.1 listener, over TLS when c is set, and returns the address.
// mangle, if set, changes the router's binding data.
func serveRouter(t *testing.T, r *fakeRouter, c *testCert, version uint16, mangle func([]byte) []byte) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if c != nil {
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{c.cert}, MinVersion: version, MaxVersion: version})
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if tc, ok := nc.(*tls.Conn); ok {
			if tc.HandshakeContext(ctx) != nil {
				return
			}
			r.scramCBind = func(typ string) []byte {
				b := routerBinding(tc.ConnectionState(), c, typ)
				if mangle != nil {
					b = mangle(b)
				}
				return b
			}
		}
		rc, err := rawsocket.Accept(ctx, nc, rawsocket.ServerOptions{Serializers: []wamp.Serializer{json.Serializer{}}})
		if err != nil {
			return
		}
		r.t = rc
		r.serve()
		rc.Close()
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	return ln.Addr().String()
}

// dialRouter connects to addr over RawSocket, over TLS when pool is set.
func dialRouter(t *testing.T, addr string, pool *x509.CertPool, version uint16) *rawsocket.Conn {
	t.Helper()
	opts := rawsocket.Options{Serializer: json.Serializer{}}
	if pool != nil {
		opts.TLSConfig = &tls.Config{RootCAs: pool, ServerName: "localhost", MinVersion: version, MaxVersion: version}
	}
	c, err := rawsocket.Dial(ctxT(t), "tcp", addr, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func joinSCRAM(t *testing.T, tr wamp.Transport, a *client.SCRAM) error {
	t.Helper()
	s, err := client.Join(ctxT(t), tr, "realm1", client.JoinOptions{AuthID: a.AuthID, Authenticators: []client.Authenticator{a}})
	if err == nil {
		s.Close()
	}
	return err
}

func wantAuthFailed(t *testing.T, err error) {
	t.Helper()
	var ae *client.AbortError
	if !errors.As(err, &ae) || ae.Reason != wamp.ErrAuthenticationFailed {
		t.Fatalf("err %v, want AbortError authentication_failed", err)
	}
}

// TestSCRAMChannelBinding joins a router over RawSocket on real TLS with
// each binding type on the TLS version it needs; the router computes the
// binding data from its side of the connection and checks both cbind_data
// and the proof (whose AuthMessage holds the binding).
func TestSCRAMChannelBinding(t *testing.T) {
	p256 := newTestCert(t, x509.ECDSAWithSHA256)
	p384 := newTestCert(t, x509.ECDSAWithSHA384)
	for _, tt := range []struct {
		binding string
		version uint16
		cert    *testCert
	}{
		{"", tls.VersionTLS13, p256}, // Autobahn's form over TLS
		{"tls-unique", tls.VersionTLS12, p256},
		{"tls-exporter", tls.VersionTLS13, p256},
		{"tls-server-end-point", tls.VersionTLS13, p256},
		{"tls-server-end-point", tls.VersionTLS12, p384},
	} {
		name := tt.binding + " " + tls.VersionName(tt.version) + " " + tt.cert.algorithm.String()
		t.Run(name, func(t *testing.T) {
			addr := serveRouter(t, &fakeRouter{scramPass: "pw"}, tt.cert, tt.version, nil)
			tr := dialRouter(t, addr, tt.cert.pool, tt.version)
			if err := joinSCRAM(t, tr, &client.SCRAM{AuthID: "joe", Password: "pw", ChannelBinding: tt.binding}); err != nil {
				t.Fatal(err)
			}
		})
		t.Run(name+" wrong password", func(t *testing.T) {
			addr := serveRouter(t, &fakeRouter{scramPass: "pw"}, tt.cert, tt.version, nil)
			tr := dialRouter(t, addr, tt.cert.pool, tt.version)
			wantAuthFailed(t, joinSCRAM(t, tr, &client.SCRAM{AuthID: "joe", Password: "nope", ChannelBinding: tt.binding}))
		})
		if tt.binding == "" {
			continue
		}
		// The router sees other binding data than the client: one flipped bit.
		t.Run(name+" router sees other data", func(t *testing.T) {
			flip := func(b []byte) []byte {
				b = append([]byte(nil), b...)
				b[0] ^= 1
				return b
			}
			addr := serveRouter(t, &fakeRouter{scramPass: "pw"}, tt.cert, tt.version, flip)
			tr := dialRouter(t, addr, tt.cert.pool, tt.version)
			wantAuthFailed(t, joinSCRAM(t, tr, &client.SCRAM{AuthID: "joe", Password: "pw", ChannelBinding: tt.binding}))
		})
	}
}

// TestSCRAMChannelBindingMITM puts a man in the middle: a proxy that the
// client trusts terminates the client's TLS with its own certificate and
// relays the bytes over a second TLS connection to the router. Without a
// binding the relayed authentication succeeds; with any binding it fails,
// because the router's side of its connection differs from the client's.
func TestSCRAMChannelBindingMITM(t *testing.T) {
	routerCert := newTestCert(t, x509.ECDSAWithSHA256)
	proxyCert := newTestCert(t, x509.ECDSAWithSHA256)
	for _, tt := range []struct {
		binding string
		version uint16
	}{
		{"", tls.VersionTLS13},
		{"tls-unique", tls.VersionTLS12},
		{"tls-exporter", tls.VersionTLS13},
		{"tls-server-end-point", tls.VersionTLS13},
	} {
		t.Run(tt.binding+" "+tls.VersionName(tt.version), func(t *testing.T) {
			addr := serveRouter(t, &fakeRouter{scramPass: "pw"}, routerCert, tt.version, nil)
			proxy := relay(t, proxyCert, addr, routerCert.pool, tt.version)
			tr := dialRouter(t, proxy, proxyCert.pool, tt.version)
			err := joinSCRAM(t, tr, &client.SCRAM{AuthID: "joe", Password: "pw", ChannelBinding: tt.binding})
			if tt.binding == "" {
				if err != nil {
					t.Fatalf("relay without binding: %v", err)
				}
				return
			}
			wantAuthFailed(t, err)
		})
	}
}

// relay accepts one TLS connection with cert and copies its bytes to and
// from a new TLS connection to addr.
func relay(t *testing.T, c *testCert, addr string, upstreamPool *x509.CertPool, version uint16) string {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{c.cert}, MinVersion: version, MaxVersion: version})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		down, err := ln.Accept()
		if err != nil {
			return
		}
		defer down.Close()
		up, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: upstreamPool, ServerName: "localhost", MinVersion: version, MaxVersion: version})
		if err != nil {
			return
		}
		defer up.Close()
		var copies sync.WaitGroup
		copies.Go(func() { io.Copy(up, down); up.Close() })
		io.Copy(down, up)
		down.Close()
		copies.Wait()
	})
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	return ln.Addr().String()
}

// TestSCRAMChannelBindingRefused checks the bindings a connection cannot
// have: Join fails before HELLO with a clear error.
func TestSCRAMChannelBindingRefused(t *testing.T) {
	p256 := newTestCert(t, x509.ECDSAWithSHA256)
	ed := newTestCert(t, x509.PureEd25519)
	for _, tt := range []struct {
		name, binding string
		cert          *testCert // nil: plain TCP
		version       uint16
		want          string
	}{
		{"tls-unique on TLS 1.3", "tls-unique", p256, tls.VersionTLS13, "TLS 1.3 has none"},
		{"tls-exporter on TLS 1.2", "tls-exporter", p256, tls.VersionTLS12, "tls-exporter needs TLS 1.3"},
		{"tls-server-end-point with Ed25519", "tls-server-end-point", ed, tls.VersionTLS13, "undefined for Ed25519"},
		{"plain TCP", "tls-exporter", nil, 0, "needs a TLS transport"},
		{"unknown type", "tls-foo", p256, tls.VersionTLS13, `unsupported channel binding "tls-foo"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var pool *x509.CertPool
			if tt.cert != nil {
				pool = tt.cert.pool
			}
			addr := serveRouter(t, &fakeRouter{scramPass: "pw"}, tt.cert, tt.version, nil)
			tr := dialRouter(t, addr, pool, tt.version)
			err := joinSCRAM(t, tr, &client.SCRAM{AuthID: "joe", Password: "pw", ChannelBinding: tt.binding})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err %v, want %q", err, tt.want)
			}
		})
	}
	t.Run("in-memory transport", func(t *testing.T) {
		_, err := join(t, &fakeRouter{scramPass: "pw"}, client.JoinOptions{AuthID: "joe",
			Authenticators: []client.Authenticator{&client.SCRAM{AuthID: "joe", Password: "pw", ChannelBinding: "tls-unique"}}})
		if err == nil || !strings.Contains(err.Error(), "needs a TLS transport") {
			t.Fatalf("err %v", err)
		}
	})
}

// scramProof computes a WAMP-SCRAM client proof for PBKDF2 from scratch
// (RFC 5802 §3), for the tests to compare with.
func scramProof(password, salt string, iterations int, authMessage string) string {
	salted, _ := pbkdf2.Key(sha256.New, password, []byte(salt), iterations, 32)
	ck := hmacSum(salted, "Client Key")
	sk := sha256.Sum256(ck)
	proof := hmacSum(sk[:], authMessage)
	subtle.XORBytes(proof, proof, ck)
	return base64.StdEncoding.EncodeToString(proof)
}

// TestSCRAMSASLprep checks which strings SASLprep normalizes: the authid
// always (as Autobahn), the password only with SASLprepPassword.
func TestSCRAMSASLprep(t *testing.T) {
	for _, tt := range []struct {
		authID, password string
		prepPassword     bool
		wantID, wantPass string // what goes into the AuthMessage and the KDF
	}{
		{"joe", "pw", false, "joe", "pw"},
		{"I\u00adX", "pw", false, "IX", "pw"},
		{"\u2168", "pw", false, "IX", "pw"},
		{"j\u00f6e", "p\u00e4ss", false, "j\u00f6e", "p\u00e4ss"},
		{"joe", "\u2168\u00a0x", false, "joe", "\u2168\u00a0x"}, // Autobahn: password as given
		{"joe", "\u2168\u00a0x", true, "joe", "IX x"},           // WAMP spec: SASLprep
		{"joe", "a\u0301", true, "joe", "\u00e1"},
	} {
		a := &client.SCRAM{AuthID: tt.authID, Password: tt.password, SASLprepPassword: tt.prepPassword}
		extra, err := a.HelloExtra(nil)
		if err != nil {
			t.Fatal(err)
		}
		cn := extra["nonce"].(string)
		sn := cn + "SRV"
		got, out, err := a.Authenticate(context.Background(), &wamp.Challenge{AuthMethod: "scram", Extra: wamp.Dict{
			"nonce": sn, "salt": "c2FsdA==", "kdf": "pbkdf2", "iterations": int64(1000)}})
		if err != nil {
			t.Fatalf("%+q/%+q: %v", tt.authID, tt.password, err)
		}
		msg := "n=" + tt.wantID + ",r=" + cn + ",r=" + sn + ",s=c2FsdA==,i=1000,c=,r=" + sn
		if want := scramProof(tt.wantPass, "c2FsdA==", 1000, msg); got != want {
			t.Errorf("%+q/%+q prep=%v: proof %s, want %s", tt.authID, tt.password, tt.prepPassword, got, want)
		}
		if len(out) != 0 {
			t.Errorf("AUTHENTICATE.Extra without binding = %v, want {} as Autobahn", out)
		}
	}
}

// TestSCRAMChallengeRefused checks what Authenticate refuses: never a panic,
// always an error saying why.
func TestSCRAMChallengeRefused(t *testing.T) {
	ok := wamp.Dict{"salt": "c2FsdA==", "kdf": "pbkdf2", "iterations": int64(1000)}
	with := func(kv ...any) wamp.Dict {
		d := wamp.Dict{}
		for k, v := range ok {
			d[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			d[kv[i].(string)] = kv[i+1]
		}
		return d
	}
	for _, tt := range []struct {
		name  string
		auth  client.SCRAM
		extra func(cn string) wamp.Dict
		want  string // "" for success
	}{
		{name: "ok", extra: func(cn string) wamp.Dict { return with("nonce", cn+"S") }},
		{name: "null channel_binding", extra: func(cn string) wamp.Dict { return with("nonce", cn+"S", "channel_binding", nil) }},
		{name: "empty channel_binding", extra: func(cn string) wamp.Dict { return with("nonce", cn+"S", "channel_binding", "") }},
		{name: "argon2id-13 512 KiB", extra: func(cn string) wamp.Dict {
			return with("nonce", cn+"S", "kdf", "argon2id-13", "iterations", int64(1), "memory", int64(512))
		}},
		{name: "nonce equals ours", extra: func(cn string) wamp.Dict { return with("nonce", cn) }, want: "does not extend"},
		{name: "nonce not ours", extra: func(cn string) wamp.Dict { return with("nonce", "x"+cn) }, want: "does not extend"},
		{name: "channel_binding not asked for", extra: func(cn string) wamp.Dict { return with("nonce", cn+"S", "channel_binding", "tls-unique") },
			want: `channel_binding tls-unique, asked for ""`},
		{name: "channel_binding not a string", extra: func(cn string) wamp.Dict { return with("nonce", cn+"S", "channel_binding", int64(1)) },
			want: "channel_binding"},
		{name: "pbkdf2 999", extra: func(cn string) wamp.Dict { return with("nonce", cn+"S", "iterations", int64(999)) }, want: "fewer than 1000"},
		{name: "argon2id-13 256 KiB", extra: func(cn string) wamp.Dict {
			return with("nonce", cn+"S", "kdf", "argon2id-13", "iterations", int64(1), "memory", int64(256))
		}, want: "less than 512"},
		{name: "unknown kdf", extra: func(cn string) wamp.Dict { return with("nonce", cn+"S", "kdf", "scrypt") }, want: "unsupported scram kdf"},
		{name: "no salt", extra: func(cn string) wamp.Dict {
			return wamp.Dict{"nonce": cn + "S", "kdf": "pbkdf2", "iterations": int64(1000)}
		},
			want: "malformed"},
		{name: "authid prohibited", auth: client.SCRAM{AuthID: "jo\u0007e"}, extra: func(cn string) wamp.Dict { return with("nonce", cn+"S") },
			want: "scram authid: saslprep: prohibited character: U+0007"},
		{name: "authid bidi", auth: client.SCRAM{AuthID: "\u0627joe"}, extra: func(cn string) wamp.Dict { return with("nonce", cn+"S") },
			want: "scram authid: saslprep"},
		{name: "authid unassigned", auth: client.SCRAM{AuthID: "jo\u0221"}, extra: func(cn string) wamp.Dict { return with("nonce", cn+"S") },
			want: "scram authid: saslprep: prohibited character: U+0221"},
		{name: "authid invalid UTF-8", auth: client.SCRAM{AuthID: "jo\xffe"}, extra: func(cn string) wamp.Dict { return with("nonce", cn+"S") },
			want: "scram authid: saslprep: invalid UTF-8"},
		{name: "password prohibited, as given", auth: client.SCRAM{AuthID: "joe", Password: "\u0007"},
			extra: func(cn string) wamp.Dict { return with("nonce", cn+"S") }},
		{name: "password prohibited, SASLprep", auth: client.SCRAM{AuthID: "joe", Password: "\u0007", SASLprepPassword: true},
			extra: func(cn string) wamp.Dict { return with("nonce", cn+"S") }, want: "scram password: saslprep: prohibited"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := tt.auth
			if a.AuthID == "" {
				a.AuthID = "joe"
			}
			extra, err := a.HelloExtra(nil)
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = a.Authenticate(context.Background(), &wamp.Challenge{AuthMethod: "scram", Extra: tt.extra(extra["nonce"].(string))})
			switch {
			case tt.want == "" && err != nil:
				t.Fatal(err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("err %v, want %q", err, tt.want)
			}
		})
	}
	// A challenge before HELLO: no client nonce to extend.
	var a client.SCRAM
	if _, _, err := a.Authenticate(context.Background(), &wamp.Challenge{Extra: with("nonce", "S")}); err == nil {
		t.Fatal("accepted a challenge before HelloExtra")
	}
}
