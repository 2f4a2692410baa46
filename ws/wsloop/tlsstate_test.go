package wsloop_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"slices"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/internal/testcert"
	"github.com/autobahn-go/autobahn/internal/wsconf"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// tlsSeen is what a handler saw of its connection's TLS in OnOpen, on
// the loop.
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

// TestConnectionState: on the loop's server and client, over wss://
// with mutual authentication, ConnectionState gives the version, ALPN,
// SNI, both peers' certificates and the same tls-exporter value on both
// sides, to the loop's handlers and to other goroutines; over ws:// it
// gives none.
func TestConnectionState(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ca := testcert.NewCA(t)
	srvCfg := &tls.Config{
		Certificates: []tls.Certificate{ca.Server(t, "ws.test")},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    ca.Pool,
	}
	cliCfg := &tls.Config{RootCAs: ca.Pool, ServerName: "ws.test", Certificates: []tls.Certificate{ca.Client(t, "alice")}}
	sh := &tlsStateHandler{seen: make(chan tlsSeen, 1)}
	srv := &wsloop.Server{Handler: sh, Config: eventloop.Config{Loops: 1}, TLSConfig: srvCfg}
	addr, _ := wsconf.StartLoop(t, srv)
	plain := &wsloop.Server{Handler: sh, Config: eventloop.Config{Loops: 1}}
	plainAddr, _ := wsconf.StartLoop(t, plain)
	cl := &wsloop.Client{Options: &ws.Options{TLSConfig: cliCfg}, Config: eventloop.Config{Loops: 1}}
	defer cl.Close()

	dials := []struct {
		name string
		dial func(u string, h ws.Handler) (*ws.Conn, error)
	}{
		{"goroutine client", func(u string, _ ws.Handler) (*ws.Conn, error) {
			// Dial does not offer ALPN by itself; the loop's client does.
			cfg := cliCfg.Clone()
			cfg.NextProtos = []string{"http/1.1"}
			return ws.Dial(ctx, u, &ws.Options{TLSConfig: cfg})
		}},
		{"loop client", func(u string, h ws.Handler) (*ws.Conn, error) { return cl.Dial(ctx, u, h) }},
	}
	for _, d := range dials {
		ch := &tlsStateHandler{seen: make(chan tlsSeen, 1)}
		c, err := d.dial("wss://"+addr.String()+"/", ch)
		if err != nil {
			t.Fatalf("%s: %v", d.name, err)
		}
		seen := <-sh.seen
		st, ok := c.ConnectionState() // from this goroutine, on either driver
		if !ok || !seen.ok {
			t.Fatalf("%s: ConnectionState: client ok %v, server ok %v", d.name, ok, seen.ok)
		}
		if st.Version != tls.VersionTLS13 || seen.st.Version != tls.VersionTLS13 || st.CipherSuite == 0 || st.CipherSuite != seen.st.CipherSuite {
			t.Errorf("%s: versions %x %x, cipher suites %x %x", d.name, st.Version, seen.st.Version, st.CipherSuite, seen.st.CipherSuite)
		}
		if st.NegotiatedProtocol != "http/1.1" || seen.st.NegotiatedProtocol != "http/1.1" {
			t.Errorf("%s: ALPN %q %q", d.name, st.NegotiatedProtocol, seen.st.NegotiatedProtocol)
		}
		if seen.st.ServerName != "ws.test" {
			t.Errorf("%s: server saw SNI %q", d.name, seen.st.ServerName)
		}
		if len(seen.st.PeerCertificates) == 0 || seen.st.PeerCertificates[0].Subject.CommonName != "alice" || len(seen.st.VerifiedChains) == 0 {
			t.Errorf("%s: server saw client certificates %v", d.name, seen.st.PeerCertificates)
		}
		if len(st.PeerCertificates) == 0 || !slices.Contains(st.PeerCertificates[0].DNSNames, "ws.test") {
			t.Errorf("%s: client saw server certificates %v", d.name, st.PeerCertificates)
		}
		ekm, err := st.ExportKeyingMaterial("EXPORTER-Channel-Binding", nil, 32)
		if err != nil || len(ekm) != 32 || !bytes.Equal(ekm, seen.ekm) {
			t.Errorf("%s: tls-exporter: client %x (%v), server %x", d.name, ekm, err, seen.ekm)
		}
		if d.name == "loop client" {
			if cs := <-ch.seen; !cs.ok || !bytes.Equal(cs.ekm, seen.ekm) {
				t.Errorf("loop client's OnOpen: ok %v, tls-exporter %x", cs.ok, cs.ekm)
			}
		}
		_ = c.Close(ws.StatusNormalClosure, "")

		// ws:// on the same driver: no TLS state.
		ch = &tlsStateHandler{seen: make(chan tlsSeen, 1)}
		c, err = d.dial("ws://"+plainAddr.String()+"/", ch)
		if err != nil {
			t.Fatalf("%s: %v", d.name, err)
		}
		if s := <-sh.seen; s.ok {
			t.Errorf("%s: ws:// server saw TLS", d.name)
		}
		if _, ok := c.ConnectionState(); ok {
			t.Errorf("%s: ws:// client saw TLS", d.name)
		}
		_ = c.Close(ws.StatusNormalClosure, "")
	}
}

// TestConnectionStateTLS12: over TLS 1.2 on the loop, both sides see the
// same tls-unique channel binding (RFC 5929), which TLS 1.3 has none of.
func TestConnectionStateTLS12(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ca := testcert.NewCA(t)
	sh := &tlsStateHandler{seen: make(chan tlsSeen, 1)}
	srv := &wsloop.Server{Handler: sh, Config: eventloop.Config{Loops: 1}, TLSConfig: &tls.Config{
		Certificates: []tls.Certificate{ca.Server(t)},
		MaxVersion:   tls.VersionTLS12,
	}}
	addr, _ := wsconf.StartLoop(t, srv)
	cl := &wsloop.Client{Options: &ws.Options{TLSConfig: &tls.Config{RootCAs: ca.Pool}}, Config: eventloop.Config{Loops: 1}}
	defer cl.Close()
	c, err := cl.Dial(ctx, "wss://"+addr.String()+"/", ws.BaseHandler{})
	if err != nil {
		t.Fatal(err)
	}
	seen := <-sh.seen
	st, ok := c.ConnectionState()
	if !ok || !seen.ok || st.Version != tls.VersionTLS12 || seen.st.Version != tls.VersionTLS12 {
		t.Fatalf("client ok %v version %x, server ok %v version %x", ok, st.Version, seen.ok, seen.st.Version)
	}
	if len(st.TLSUnique) == 0 || !bytes.Equal(st.TLSUnique, seen.st.TLSUnique) {
		t.Errorf("tls-unique: client %x, server %x", st.TLSUnique, seen.st.TLSUnique)
	}
	_ = c.Close(ws.StatusNormalClosure, "")
}
