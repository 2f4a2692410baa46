package router_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"io"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/auth"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/rawsocket"
)

// tlsCert returns a self-signed ECDSA certificate for "localhost" and a
// pool that trusts it.
func tlsCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"}, DNSNames: []string{"localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, IsCA: true, BasicConstraintsValid: true,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: k, Leaf: leaf}, pool
}

// serveTLS serves r over RawSocket (JSON) on TLS to the connections of a
// new 127.0.0.1 listener and returns its address.
func serveTLS(t *testing.T, r *router.Router, cert tls.Certificate, version uint16) string {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: version, MaxVersion: version})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			rc, err := rawsocket.Accept(ctx, nc, rawsocket.ServerOptions{Serializers: []wamp.Serializer{json.Serializer{}}})
			cancel()
			if err != nil {
				nc.Close()
				continue
			}
			_ = r.Attach(rc)
		}
	})
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	return ln.Addr().String()
}

// relayTLS is a man in the middle the client trusts: it terminates the
// client's TLS with cert and relays the bytes over its own TLS connection
// to addr.
func relayTLS(t *testing.T, cert tls.Certificate, addr string, upstream *x509.CertPool, version uint16) string {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: version, MaxVersion: version})
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
		up, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: upstream, ServerName: "localhost", MinVersion: version, MaxVersion: version})
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

func dialTLS(t *testing.T, addr string, pool *x509.CertPool, version uint16) wamp.Transport {
	t.Helper()
	c, err := rawsocket.Dial(ctxT(t), "tcp", addr, rawsocket.Options{Serializer: json.Serializer{},
		TLSConfig: &tls.Config{RootCAs: pool, ServerName: "localhost", MinVersion: version, MaxVersion: version}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestAuthChannelBinding joins the router over real TLS with SCRAM
// (tls-unique on TLS 1.2, tls-exporter on TLS 1.3) and cryptosign
// (tls-unique): the router checks the binding against its own side of the
// connection. Through a relaying man in the middle the same joins fail,
// while without a binding they pass.
func TestAuthChannelBinding(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	r := newRouter(t, func(c *router.Config) {
		c.Realms = append(c.Realms, router.RealmConfig{
			Name:       "tls",
			SCRAM:      map[string]router.SCRAMPrincipal{"sam": {Role: "scrammer", KDF: auth.KDFPBKDF2, Iterations: 1000, Password: "pw"}},
			Cryptosign: map[string]router.CryptosignPrincipal{"cindy": {Role: "signer", AuthorizedKeys: []string{hex.EncodeToString(pub)}}},
		})
	})
	routerCert, routerPool := tlsCert(t)
	proxyCert, proxyPool := tlsCert(t)
	for _, tt := range []struct {
		name    string
		version uint16
		authid  string
		a       func() client.Authenticator
		bound   bool
	}{
		{"scram none", tls.VersionTLS13, "sam", func() client.Authenticator { return &client.SCRAM{AuthID: "sam", Password: "pw"} }, false},
		{"scram tls-unique", tls.VersionTLS12, "sam", func() client.Authenticator {
			return &client.SCRAM{AuthID: "sam", Password: "pw", ChannelBinding: auth.BindTLSUnique}
		}, true},
		{"scram tls-exporter", tls.VersionTLS13, "sam", func() client.Authenticator {
			return &client.SCRAM{AuthID: "sam", Password: "pw", ChannelBinding: auth.BindTLSExporter}
		}, true},
		{"cryptosign none", tls.VersionTLS13, "cindy", func() client.Authenticator { return &client.Cryptosign{PrivateKey: priv} }, false},
		{"cryptosign tls-unique", tls.VersionTLS12, "cindy", func() client.Authenticator {
			return &client.Cryptosign{PrivateKey: priv, ChannelBinding: auth.BindTLSUnique}
		}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			addr := serveTLS(t, r, routerCert, tt.version)
			s, err := client.Join(ctxT(t), dialTLS(t, addr, routerPool, tt.version), "tls",
				client.JoinOptions{AuthID: tt.authid, Authenticators: []client.Authenticator{tt.a()}})
			if err != nil {
				t.Fatal(err)
			}
			s.Close()
			proxy := relayTLS(t, proxyCert, addr, routerPool, tt.version)
			s, err = client.Join(ctxT(t), dialTLS(t, proxy, proxyPool, tt.version), "tls",
				client.JoinOptions{AuthID: tt.authid, Authenticators: []client.Authenticator{tt.a()}})
			if !tt.bound {
				if err != nil {
					t.Fatalf("relayed without binding: %v", err)
				}
				s.Close()
				return
			}
			wantAbort(t, err, wamp.ErrAuthenticationFailed)
		})
	}
	// A binding the router cannot check: refused, not ignored.
	t.Run("scram tls-server-end-point", func(t *testing.T) {
		addr := serveTLS(t, r, routerCert, tls.VersionTLS13)
		_, err := client.Join(ctxT(t), dialTLS(t, addr, routerPool, tls.VersionTLS13), "tls", client.JoinOptions{AuthID: "sam",
			Authenticators: []client.Authenticator{&client.SCRAM{AuthID: "sam", Password: "pw", ChannelBinding: auth.BindTLSServerEndPoint}}})
		wantAbort(t, err, wamp.ErrAuthenticationFailed)
	})
	// In process there is no TLS: a binding is refused.
	t.Run("in-process", func(t *testing.T) {
		// The client itself refuses (no TLS state); ask for it by hand.
		c := rawConn(t, r)
		c.send(&wamp.Hello{Realm: "tls", Details: wamp.Dict{"roles": wamp.Dict{"caller": wamp.Dict{}}, "authid": "sam",
			"authmethods": []any{"scram"}, "authextra": wamp.Dict{"nonce": auth.SCRAMNonce(), "channel_binding": "tls-unique"}}})
		if a, ok := c.recv().(*wamp.Abort); !ok || a.Reason != wamp.ErrAuthenticationFailed {
			t.Fatalf("got %v", a)
		}
	})
}
