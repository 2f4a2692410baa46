package wsloop_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"net"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wshttp"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// serveStdTLS runs h on the goroutine server behind crypto/tls's own
// listener with cfg and returns its wss:// URL.
func serveStdTLS(t *testing.T, h ws.Handler, cfg *tls.Config) string {
	return serveStdTLSOn(t, h, cfg, false)
}

// byteListener's connections write a byte at a time (byteConn).
type byteListener struct{ net.Listener }

func (l byteListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return byteConn{c}, nil
}

// serveStdTLSOn is serveStdTLS; with split, the server writes its TLS
// stream (handshake and records) a byte per write.
func serveStdTLSOn(t *testing.T, h ws.Handler, cfg *tls.Config, split bool) string {
	t.Helper()
	var ln net.Listener
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if split {
		ln = byteListener{ln}
	}
	srv := &ws.Server{Handler: h}
	served := make(chan struct{})
	go func() { _ = srv.Serve(tls.NewListener(ln, cfg)); close(served) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		_ = ln.Close()
		<-served
	})
	return "wss://" + ln.Addr().String() + "/"
}

// TestReview14ClientAgainstCryptoTLS: the loop's client against
// crypto/tls's server in the configurations that change what follows the
// handshake: session tickets after the client's Finished (a certificate
// request), a HelloRetryRequest, no tickets, TLS 1.2, the server's stream
// a byte per write; with and without a client session cache (the record
// layer or crypto/tls on the loop).
func TestReview14ClientAgainstCryptoTLS(t *testing.T) {
	srvCert, srvPool := wsloop.NewTestCert(t, "server")
	cliCert, _ := wsloop.NewTestCert(t, "client")
	for _, tc := range []struct {
		name string
		srv  func(*tls.Config)
	}{
		{"plain", func(*tls.Config) {}},
		{"client-cert", func(c *tls.Config) { c.ClientAuth = tls.RequireAnyClientCert }},
		{"hrr", func(c *tls.Config) { c.CurvePreferences = []tls.CurveID{tls.CurveP384} }},
		{"no-tickets", func(c *tls.Config) { c.SessionTicketsDisabled = true }},
		{"tls12", func(c *tls.Config) { c.MaxVersion = tls.VersionTLS12 }},
		{"split", nil},
		{"split-tls12", func(c *tls.Config) { c.MaxVersion = tls.VersionTLS12 }},
	} {
		for _, cache := range []bool{false, true} {
			name := tc.name
			if cache {
				name += "-cache"
			}
			t.Run(name, func(t *testing.T) {
				scfg := &tls.Config{Certificates: []tls.Certificate{srvCert}}
				if tc.srv != nil {
					tc.srv(scfg)
				}
				u := serveStdTLSOn(t, newEcho(), scfg, strings.HasPrefix(tc.name, "split"))
				ccfg := &tls.Config{RootCAs: srvPool, ServerName: "localhost", Certificates: []tls.Certificate{cliCert}}
				if cache {
					ccfg.ClientSessionCache = tls.NewLRUClientSessionCache(4)
				}
				cl := &wsloop.Client{Options: &ws.Options{TLSConfig: ccfg}, Config: eventloop.Config{Loops: 1}}
				defer cl.Close()
				for i := range 2 {
					st := clientEchoes(t, cl, u)
					// A client with a session cache resumes the first
					// session (the ticket came in after its handshake).
					if want := cache && i == 1 && !scfg.SessionTicketsDisabled; st.DidResume != want {
						t.Fatalf("connection %d: DidResume %v, want %v", i, st.DidResume, want)
					}
				}
			})
		}
	}
}

// clientEchoes dials u with cl, echoes messages of a few sizes and
// closes; it returns the connection's TLS state.
func clientEchoes(t *testing.T, cl *wsloop.Client, u string) tls.ConnectionState {
	t.Helper()
	h := &collect{got: make(chan []byte, 16), closed: make(chan struct{})}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := cl.Dial(ctx, u, h)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := c.ConnectionState()
	for _, n := range []int{0, 1, 16385, 100000} {
		msg := bytes.Repeat([]byte{'x'}, n)
		if err := c.WriteMessage(ctx, ws.OpBinary, msg); err != nil {
			t.Fatal(err)
		}
		select {
		case got := <-h.got:
			if !bytes.Equal(got, msg) {
				t.Fatalf("size %d: got %d bytes", n, len(got))
			}
		case <-ctx.Done():
			t.Fatalf("size %d: no echo", n)
		}
	}
	_ = c.Close(ws.StatusNormalClosure, "")
	select {
	case <-h.closed:
	case <-ctx.Done():
		t.Fatal("client connection did not end")
	}
	return st
}

// TestReview14ClientRefusedCertificateNamed: a TLS 1.3 server refuses
// the client's certificate only after the client's handshake is done,
// with an alert and a close. Dial's error names the alert as crypto/tls's
// does ("certificate required"): not by its number on the loop's record
// layer (the client keeps no sessions), and not as an unexpected EOF when
// the alert and the close arrive before the loop took the connection
// over from the handshake goroutine (a race, so each case is dialed many
// times).
func TestReview14ClientRefusedCertificateNamed(t *testing.T) {
	srvCert, srvPool := wsloop.NewTestCert(t, "server")
	u := serveStdTLS(t, newEcho(), &tls.Config{Certificates: []tls.Certificate{srvCert}, ClientAuth: tls.RequireAnyClientCert})
	for _, cache := range []bool{false, true} {
		ccfg := &tls.Config{RootCAs: srvPool, ServerName: "localhost"}
		if cache {
			ccfg.ClientSessionCache = tls.NewLRUClientSessionCache(4)
		}
		cl := &wsloop.Client{Options: &ws.Options{TLSConfig: ccfg}, Config: eventloop.Config{Loops: 1}}
		defer cl.Close()
		for i := range 50 {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			c, err := cl.Dial(ctx, u, newEcho())
			cancel()
			if err == nil {
				_ = c.Close(ws.StatusNormalClosure, "")
				t.Fatalf("session cache %v, dial %d: succeeded", cache, i)
			}
			if !strings.Contains(err.Error(), "certificate required") {
				t.Fatalf("session cache %v, dial %d: %v, want the alert certificate required", cache, i, err)
			}
		}
	}
}

// TestReview14ClientOffersOnlyHTTP11: a client configuration shared with
// an HTTP client offers h2 too (what http2.ConfigureTransport leaves in
// it); the loop's client speaks HTTP/1.1 only, so it must not let a
// net/http server with HTTP/2 pick h2 for the upgrade.
func TestReview14ClientOffersOnlyHTTP11(t *testing.T) {
	srvCert, srvPool := wsloop.NewTestCert(t, "server")
	hs := httptest.NewUnstartedServer(wshttp.Handler(&ws.Server{Handler: newEcho()}))
	hs.EnableHTTP2 = true
	// What http.Server.ServeTLS offers.
	hs.TLS = &tls.Config{Certificates: []tls.Certificate{srvCert}, NextProtos: []string{"h2", "http/1.1"}}
	hs.StartTLS()
	defer hs.Close()
	ccfg := &tls.Config{RootCAs: srvPool, ServerName: "localhost", NextProtos: []string{"h2", "http/1.1"}}
	cl := &wsloop.Client{Options: &ws.Options{TLSConfig: ccfg}, Config: eventloop.Config{Loops: 1}}
	defer cl.Close()
	st := clientEchoes(t, cl, "wss://"+strings.TrimPrefix(hs.URL, "https://")+"/")
	if st.NegotiatedProtocol != "http/1.1" {
		t.Fatalf("ALPN %q", st.NegotiatedProtocol)
	}
	if len(ccfg.NextProtos) != 2 {
		t.Fatalf("the application's configuration changed: %q", ccfg.NextProtos)
	}
}

// TestReview14ServerHelloRetryAndClientCert: the loop's server after a
// HelloRetryRequest (it wants P-384, the client's key shares are for
// others) and with a client certificate (its session ticket is sealed
// after the client's Finished): the connection moves to the record layer
// and echoes, the ticket counted right.
func TestReview14ServerHelloRetryAndClientCert(t *testing.T) {
	cert, pool := wsloop.NewTestCert(t, "server")
	cliCert, _ := wsloop.NewTestCert(t, "client")
	for _, tc := range []struct {
		name string
		cfg  *tls.Config
	}{
		{"hrr", &tls.Config{Certificates: []tls.Certificate{cert}, CurvePreferences: []tls.CurveID{tls.CurveP384}}},
		{"client-cert", &tls.Config{Certificates: []tls.Certificate{cert}, ClientAuth: tls.RequireAnyClientCert}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newLayerEcho()
			u, _, _ := serveTLS(t, h, nil, tc.cfg)
			c := dial(t, u, &ws.Options{TLSConfig: &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cliCert}}})
			if s := h.seen(t); !s.own || s.state.Version != tls.VersionTLS13 {
				t.Fatalf("on the record layer %v, version %x", s.own, s.state.Version)
			}
			st, _ := c.ConnectionState()
			if tc.name == "hrr" && st.CurveID != tls.CurveP384 {
				t.Fatalf("curve %v, want P-384", st.CurveID)
			}
			echoSizes(t, c)
		})
	}
}
