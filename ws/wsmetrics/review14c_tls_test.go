package wsmetrics_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"math/big"
	"net"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsloop"
	"github.com/autobahn-go/autobahn/ws/wsmetrics"
)

func selfSigned(t *testing.T) *tls.Config {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: k}}}
}

// TestTLSFailureNotCounted: a client that fails the TLS handshake (it
// speaks plain HTTP to a wss port) is neither opened nor rejected, on
// both drivers.
func TestTLSFailureNotCounted(t *testing.T) {
	cfg := selfSigned(t)
	start := map[string]func(h ws.Handler, m *wsmetrics.Set) (string, func()){
		"ws.Server": func(h ws.Handler, m *wsmetrics.Set) (string, func()) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			s := &ws.Server{Handler: h, Metrics: m}
			done := make(chan struct{})
			go func() { _ = s.Serve(tls.NewListener(ln, cfg)); close(done) }()
			return ln.Addr().String(), func() { _ = s.Shutdown(context.Background()); <-done }
		},
		"wsloop": func(h ws.Handler, m *wsmetrics.Set) (string, func()) {
			s := &wsloop.Server{Handler: h, Metrics: m, TLSConfig: cfg}
			a, err := s.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan struct{})
			go func() { _ = s.Run(); close(done) }()
			return a.String(), func() { _ = s.Shutdown(context.Background()); <-done }
		},
	}
	for name, st := range start {
		t.Run(name, func(t *testing.T) {
			m := new(wsmetrics.Set)
			h := &echo{closes: make(chan ws.StatusCode, 4)}
			addr, stop := st(h, m)
			defer stop()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			// Plain text to the TLS port: the server ends it.
			nc, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
			_, _ = nc.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"))
			var b [512]byte
			for {
				if _, err := nc.Read(b[:]); err != nil {
					break
				}
			}
			nc.Close()
			// A good wss client after it, closed cleanly.
			c, err := ws.Dial(ctx, "wss://"+addr+"/", &ws.Options{TLSConfig: &tls.Config{InsecureSkipVerify: true}})
			if err != nil {
				t.Fatal(err)
			}
			roundTrip(ctx, t, c, ws.OpText, []byte("x"))
			_ = c.Close(1000, "")
			wantClose(t, h, 1000)
			s := m.Snapshot()
			if s.Opened != 1 || s.Closed != 1 || len(s.Rejected) != 0 {
				t.Errorf("Opened %d Closed %d Rejected %v, want 1 1 none", s.Opened, s.Closed, s.Rejected)
			}
		})
	}
}
