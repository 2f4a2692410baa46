package wsloop

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/internal/tlsrec"
)

// newTestCert returns a self-signed certificate for 127.0.0.1 and
// localhost, and a pool that trusts it.
func newTestCert(tb testing.TB, name string) (tls.Certificate, *x509.CertPool) {
	tb.Helper()
	cert, pool, err := selfSignedCert(name)
	if err != nil {
		tb.Fatal(err)
	}
	return cert, pool
}

func selfSignedCert(name string) (tls.Certificate, *x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool, nil
}

// memPair connects a client and a server tls.Conn through two memConns
// in handshake mode (each one's writes are fed to the other).
func memPair(tb testing.TB, vers uint16) (cli, srv *tls.Conn, mc, ms *memConn) {
	return memPairWith(tb, vers, false)
}

// memPairWith is memPair; with capture the server's handshake is
// followed for the record layer, as a Server's (tls_rec.go).
func memPairWith(tb testing.TB, vers uint16, capture bool) (cli, srv *tls.Conn, mc, ms *memConn) {
	cert, pool := newTestCert(tb, "memconn")
	mc = newMemConn(&fakeWire{})
	ms = newMemConn(&fakeWire{write: mc.feed})
	mc.wire.(*fakeWire).write = ms.feed
	cli = tls.Client(mc, &tls.Config{RootCAs: pool, ServerName: "localhost", MinVersion: vers, MaxVersion: vers})
	scfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: vers, MaxVersion: vers}
	if capture {
		ms.capture = &tlsrec.Capture{}
		scfg = withCapture(scfg)
	}
	srv = tls.Server(ms, scfg)
	return cli, srv, mc, ms
}

// handshakeMem runs a memPair's handshakes and puts both memConns in
// loop mode.
func handshakeMem(tb testing.TB, cli, srv *tls.Conn, mc, ms *memConn) {
	tb.Helper()
	errs := make(chan error, 2)
	go func() { errs <- cli.Handshake() }()
	go func() { errs <- srv.Handshake() }()
	for range 2 {
		if err := <-errs; err != nil {
			tb.Fatalf("handshake: %v", err)
		}
	}
	mc.toLoop()
	ms.toLoop()
}

// drain reads what tc can decrypt from the input fed so far.
func drain(tb testing.TB, tc *tls.Conn) []byte {
	tb.Helper()
	var got []byte
	buf := make([]byte, 1<<14)
	for {
		n, err := tc.Read(buf)
		got = append(got, buf[:n]...)
		if errors.Is(err, errWouldBlock) {
			return got
		}
		if err != nil {
			tb.Fatalf("Read: %v", err)
		}
	}
}

// TestTLSResumesAfterWouldBlock verifies what the loop's TLS rests on:
// after the handshake, crypto/tls's Read can be fed one byte at a time
// and returns errWouldBlock between bytes without losing the partial
// record (for TLS 1.2 and 1.3), so no goroutine needs to wait for input.
func TestTLSResumesAfterWouldBlock(t *testing.T) {
	for _, vers := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		cli, srv, mc, ms := memPair(t, vers)
		handshakeMem(t, cli, srv, mc, ms)
		msg := bytes.Repeat([]byte("0123456789abcdef"), 2000) // two records
		if _, err := cli.Write(msg); err != nil {
			t.Fatal(err)
		}
		wire := mc.takeOut()
		var got []byte
		for i := range *wire {
			ms.setInput((*wire)[i : i+1])
			got = append(got, drain(t, srv)...)
			ms.clearInput()
		}
		if !bytes.Equal(got, msg) {
			t.Fatalf("%x: server got %d bytes, want %d", vers, len(got), len(msg))
		}
		// And back, in one piece (the client also takes a TLS 1.3
		// session ticket fed during the handshake).
		if _, err := srv.Write([]byte("pong")); err != nil {
			t.Fatal(err)
		}
		mc.setInput(*ms.takeOut())
		if got := drain(t, cli); string(got) != "pong" {
			t.Fatalf("%x: client got %q", vers, got)
		}
	}
}

// TestTLSHandshakeNotResumable records why the handshake runs on a
// goroutine: a would-block during crypto/tls's handshake is final.
func TestTLSHandshakeNotResumable(t *testing.T) {
	cli, srv, mc, ms := memPair(t, tls.VersionTLS13)
	ms.toLoop()
	// In loop mode only the loop touches the input, without a lock: the
	// first Handshake (no input yet) runs before the client can feed any.
	if err := srv.Handshake(); !errors.Is(err, errWouldBlock) {
		t.Fatalf("first Handshake: %v, want errWouldBlock", err)
	}
	cliErr := make(chan error, 1)
	go func() { cliErr <- cli.Handshake() }()
	// Wait for the ClientHello, then try again: the error sticks.
	deadline := time.Now().Add(5 * time.Second)
	for {
		ms.mu.Lock()
		n := len(ms.in)
		ms.mu.Unlock()
		if n > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if err := srv.Handshake(); !errors.Is(err, errWouldBlock) {
		t.Fatalf("second Handshake: %v, want the first error again", err)
	}
	_ = mc.Close()
	<-cliErr
}

// TestMemConnHandshakeInputBound: input buffered for the handshake
// goroutine past maxHandshakeInput pauses reading until it was taken.
func TestMemConnHandshakeInputBound(t *testing.T) {
	w := &fakeWire{}
	m := newMemConn(w)
	m.feed(make([]byte, maxHandshakeInput-1))
	if len(w.pauses) != 0 {
		t.Fatalf("paused below the bound: %v", w.pauses)
	}
	m.feed(make([]byte, 10))
	m.feed(make([]byte, 10))
	if len(w.pauses) != 1 || !w.pauses[0] {
		t.Fatalf("past the bound: %v, want one pause", w.pauses)
	}
	buf := make([]byte, 1<<10)
	for got := 0; got < maxHandshakeInput+19; {
		n, err := m.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		got += n
	}
	if len(w.pauses) != 2 || w.pauses[1] {
		t.Fatalf("drained: %v, want a resume", w.pauses)
	}
}

// fakeWire is a memWire that passes writes on and records pauses.
type fakeWire struct {
	write  func([]byte)
	pauses []bool
}

func (w *fakeWire) AsyncWrite(b []byte) error { w.write(b); return nil }
func (w *fakeWire) PauseRead()                { w.pauses = append(w.pauses, true) }
func (w *fakeWire) ResumeRead()               { w.pauses = append(w.pauses, false) }
func (w *fakeWire) LocalAddr() net.Addr       { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1} }
func (w *fakeWire) RemoteAddr() net.Addr      { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 2} }

// FuzzTLSInputSplits: however the loop's reads cut the TLS stream (cuts
// gives the piece sizes, cycled), the server decrypts the same plaintext.
func FuzzTLSInputSplits(f *testing.F) {
	f.Add([]byte("hello"), []byte{1})
	f.Add(bytes.Repeat([]byte("x"), 40000), []byte{5, 200, 3, 0, 17})
	f.Fuzz(func(t *testing.T, msg, cuts []byte) {
		if len(msg) > 1<<17 {
			return
		}
		cli, srv, mc, ms := memPair(t, tls.VersionTLS13)
		handshakeMem(t, cli, srv, mc, ms)
		var wire []byte
		for _, piece := range [][]byte{msg, []byte("end")} {
			if _, err := cli.Write(piece); err != nil {
				t.Fatal(err)
			}
			if out := mc.takeOut(); out != nil {
				wire = append(wire, *out...)
			}
		}
		var got []byte
		for i := 0; len(wire) > 0; i++ {
			n := 1
			if len(cuts) > 0 {
				n = int(cuts[i%len(cuts)]) + 1
			}
			n = min(n, len(wire))
			ms.setInput(wire[:n])
			got = append(got, drain(t, srv)...)
			ms.clearInput()
			wire = wire[n:]
		}
		if want := append(bytes.Clone(msg), "end"...); !bytes.Equal(got, want) {
			t.Fatalf("got %d bytes, want %d", len(got), len(want))
		}
	})
}
