package ws_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/internal/testcert"
	"github.com/autobahn-go/autobahn/ws"
)

// tlsSeen is what a handler saw of its connection's TLS in OnOpen.
type tlsSeen struct {
	st  tls.ConnectionState
	ok  bool
	ekm []byte // tls-exporter channel binding (RFC 9266)
}

// tlsStateHandler reports ConnectionState from OnOpen.
type tlsStateHandler struct {
	ws.BaseHandler
	seen chan tlsSeen
}

func (h *tlsStateHandler) OnOpen(c *ws.Conn) {
	st, ok := c.ConnectionState()
	var ekm []byte
	if ok {
		ekm, _ = st.ExportKeyingMaterial("EXPORTER-Channel-Binding", nil, 32)
	}
	h.seen <- tlsSeen{st, ok, ekm}
}

// mutualTLS returns a server and a client configuration that authenticate
// each other (the client as "alice"), with ALPN http/1.1 and SNI ws.test.
func mutualTLS(t *testing.T) (srv, cli *tls.Config) {
	ca := testcert.NewCA(t)
	srv = &tls.Config{
		Certificates: []tls.Certificate{ca.Server(t, "ws.test")},
		NextProtos:   []string{"http/1.1"},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    ca.Pool,
	}
	cli = &tls.Config{
		RootCAs:      ca.Pool,
		ServerName:   "ws.test",
		NextProtos:   []string{"http/1.1"},
		Certificates: []tls.Certificate{ca.Client(t, "alice")},
	}
	return srv, cli
}

// checkTLSStates checks the client's state on c and the server's (seen)
// against mutualTLS: version, ALPN, SNI, both peers' certificates, and
// the same tls-exporter value on both sides.
func checkTLSStates(t *testing.T, c *ws.Conn, seen tlsSeen) {
	t.Helper()
	st, ok := c.ConnectionState()
	if !ok || !seen.ok {
		t.Fatalf("ConnectionState: client ok %v, server ok %v", ok, seen.ok)
	}
	if st.Version != tls.VersionTLS13 || seen.st.Version != tls.VersionTLS13 || st.CipherSuite == 0 || st.CipherSuite != seen.st.CipherSuite {
		t.Errorf("versions %x %x, cipher suites %x %x", st.Version, seen.st.Version, st.CipherSuite, seen.st.CipherSuite)
	}
	if st.NegotiatedProtocol != "http/1.1" || seen.st.NegotiatedProtocol != "http/1.1" {
		t.Errorf("ALPN %q %q", st.NegotiatedProtocol, seen.st.NegotiatedProtocol)
	}
	if seen.st.ServerName != "ws.test" {
		t.Errorf("server saw SNI %q", seen.st.ServerName)
	}
	if len(seen.st.PeerCertificates) == 0 || seen.st.PeerCertificates[0].Subject.CommonName != "alice" || len(seen.st.VerifiedChains) == 0 {
		t.Errorf("server saw client certificates %v, chains %d", seen.st.PeerCertificates, len(seen.st.VerifiedChains))
	}
	if len(st.PeerCertificates) == 0 || !slices.Contains(st.PeerCertificates[0].DNSNames, "ws.test") {
		t.Errorf("client saw server certificates %v", st.PeerCertificates)
	}
	ekm, err := st.ExportKeyingMaterial("EXPORTER-Channel-Binding", nil, 32)
	if err != nil || len(ekm) != 32 || !bytes.Equal(ekm, seen.ekm) {
		t.Errorf("tls-exporter: client %x (%v), server %x", ekm, err, seen.ekm)
	}
}

// TestConnectionStateServerAndDial: ws.Server on a tls.Listener and the
// goroutine client (Dial to wss://) each see the TLS state, with mutual
// authentication; on ws:// neither sees any.
func TestConnectionStateServerAndDial(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	srvCfg, cliCfg := mutualTLS(t)
	h := &tlsStateHandler{seen: make(chan tlsSeen, 1)}
	srv := &ws.Server{Handler: h}
	for _, secure := range []bool{true, false} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		u := "ws://" + ln.Addr().String() + "/"
		if secure {
			ln, u = tls.NewListener(ln, srvCfg), "wss"+u[2:]
		}
		served := make(chan error, 1)
		go func() { served <- srv.Serve(ln) }()
		c, err := ws.Dial(ctx, u, &ws.Options{TLSConfig: cliCfg})
		if err != nil {
			t.Fatal(err)
		}
		seen := <-h.seen
		if secure {
			checkTLSStates(t, c, seen)
		} else if _, ok := c.ConnectionState(); ok || seen.ok {
			t.Errorf("ws://: client ok %v, server ok %v", ok, seen.ok)
		}
		if err := c.Close(ws.StatusNormalClosure, ""); err != nil {
			t.Fatal(err)
		}
		ln.Close()
		<-served
	}
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
}

// wrapped is an application's wrapper that exposes what it wraps.
type wrapped struct{ net.Conn }

func (w wrapped) NetConn() net.Conn { return w.Conn }

// TestConnectionStateUnwraps: ConnectionState looks through a wrapper with
// a NetConn method; a wrapper without one hides the TLS.
func TestConnectionStateUnwraps(t *testing.T) {
	srvCfg, cliCfg := mutualTLS(t)
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	ts, tc := tls.Server(a, srvCfg), tls.Client(b, cliCfg)
	errc := make(chan error, 1)
	go func() { errc <- ts.Handshake() }()
	if err := tc.Handshake(); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	opts := &ws.Options{PingInterval: -1}
	c := ws.NewConn(wrapped{tc}, ws.RoleClient, nil, ws.Negotiated{}, opts)
	if st, ok := c.ConnectionState(); !ok || st.PeerCertificates[0].DNSNames[1] != "ws.test" {
		t.Fatalf("through NetConn: ok %v", ok)
	}
	hidden := ws.NewConn(struct{ net.Conn }{tc}, ws.RoleClient, nil, ws.Negotiated{}, opts)
	if _, ok := hidden.ConnectionState(); ok {
		t.Fatal("a wrapper without NetConn showed the TLS state")
	}
	_ = c.CloseNow()
	_ = hidden.CloseNow()
}
