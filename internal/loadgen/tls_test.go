package loadgen

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// selfSigned returns a certificate for 127.0.0.1 and a pool that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(c)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

// TestLoadgenWSS runs both modes over wss:// against a TLS echo on the
// event loop: verified against its certificate, and refused without it.
func TestLoadgenWSS(t *testing.T) {
	cert, pool := selfSigned(t)
	h := &echo{sources: map[string]bool{}}
	srv := &wsloop.Server{Handler: h, Config: eventloop.Config{Loops: 1},
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}}}
	addr, err := srv.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ran := make(chan error, 1)
	go func() { ran <- srv.Run() }()
	t.Cleanup(func() {
		_ = srv.Shutdown(context.Background())
		<-ran
	})
	url := "wss://" + addr.String() + "/echo"
	sizes, _ := ParseSizes("32:1,20000:1") // beyond one TLS record too
	r := &Run{Dial: Dial{URL: url, Conns: 4, Sources: 2, TLSConfig: &tls.Config{RootCAs: pool}},
		InFlight: 2, Sizes: sizes, Warmup: 50 * time.Millisecond, Duration: 300 * time.Millisecond}
	res, err := r.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	checkCounts(t, res)
	if res.Connected != 4 || res.Received == 0 || res.Errors != 0 || res.Mismatched != 0 || res.URL != url {
		t.Fatalf("wss run %+v", res)
	}
	idle, err := (&Idle{Dial: Dial{URL: url, Conns: 3, TLSConfig: &tls.Config{InsecureSkipVerify: true}}, Hold: 10 * time.Millisecond}).Start(context.Background())
	if err != nil || idle.Connected != 3 || idle.Pongs != 3 {
		t.Fatalf("wss idle %+v, %v", idle, err)
	}
	// The system roots do not know the test CA: every dial fails, clearly.
	_, err = (&Run{Dial: Dial{URL: url, Conns: 1}, Duration: 100 * time.Millisecond}).Start(context.Background())
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("unverifiable certificate: %v", err)
	}
}
