package wsloop_test

import (
	"crypto/tls"
	"testing"

	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// TestReview18ALPNNoH2: a TLSConfig shared with net/http, or autocert's,
// offers h2 first; the server leaves it out, as it speaks HTTP/1.1 only,
// so a client that offers h2 too (a browser does) gets http/1.1 and its
// upgrade is answered. The server picked h2, and a browser would have
// spoken HTTP/2 to it, its preface refused.
func TestReview18ALPNNoH2(t *testing.T) {
	cert, _ := wsloop.NewTestCert(t, "wsloop")
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2", "http/1.1", "acme-tls/1"}}
	u, ccfg, _ := serveTLS(t, newEcho(), nil, cfg)
	if len(cfg.NextProtos) != 3 {
		t.Fatalf("the application's configuration changed: %q", cfg.NextProtos)
	}
	addr := u[len("wss://") : len(u)-len("/echo")]
	ccfg.ServerName = "localhost"
	ccfg.NextProtos = []string{"h2", "http/1.1"}
	tc, err := tls.Dial("tcp", addr, ccfg)
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	if p := tc.ConnectionState().NegotiatedProtocol; p != "http/1.1" {
		t.Fatalf("ALPN %q, want http/1.1", p)
	}
	upgrade(t, tc, u)
}
