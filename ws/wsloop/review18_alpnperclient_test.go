package wsloop_test

import (
	"crypto/tls"
	"crypto/x509"
	"testing"

	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// TestReview18ALPNNoH2PerClient: a configuration that
// TLSConfig.GetConfigForClient returns (one per SNI name, as a server of
// several hosts has, shared with net/http) has its h2 left out too, for
// TLS 1.3 and for TLS 1.2 (which stays with crypto/tls): a client that
// offers h2 gets http/1.1 and its upgrade is answered. Only the base
// configuration's NextProtos were filtered, and such a server picked h2.
func TestReview18ALPNNoH2PerClient(t *testing.T) {
	cert, _ := wsloop.NewTestCert(t, "wsloop")
	for _, maxVersion := range []uint16{tls.VersionTLS13, tls.VersionTLS12} {
		perHost := &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2", "http/1.1"}, MaxVersion: maxVersion}
		cfg := &tls.Config{GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) { return perHost, nil }}
		u, ccfg, _ := serveTLS(t, newEcho(), nil, cfg)
		addr := u[len("wss://") : len(u)-len("/echo")]
		ccfg.RootCAs = x509.NewCertPool()
		ccfg.RootCAs.AddCert(cert.Leaf)
		ccfg.ServerName = "localhost"
		ccfg.NextProtos = []string{"h2", "http/1.1"}
		tc, err := tls.Dial("tcp", addr, ccfg)
		if err != nil {
			t.Fatal(err)
		}
		if p := tc.ConnectionState().NegotiatedProtocol; p != "http/1.1" {
			_ = tc.Close()
			t.Fatalf("TLS %x: ALPN %q, want http/1.1", maxVersion, p)
		}
		upgrade(t, tc, u)
		_ = tc.Close()
		if len(perHost.NextProtos) != 2 {
			t.Fatalf("the application's configuration changed: %q", perHost.NextProtos)
		}
	}
}
