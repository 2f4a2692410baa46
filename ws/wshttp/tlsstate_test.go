package wshttp

import (
	"bytes"
	"context"
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/internal/testcert"
	"github.com/autobahn-go/autobahn/ws"
)

// TestConnectionStateUnderNetHTTP: a connection accepted from a net/http
// TLS server has the state net/http saw (r.TLS): version, ALPN, SNI, the
// client's certificate and the tls-exporter value the client computes.
func TestConnectionStateUnderNetHTTP(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ca := testcert.NewCA(t)
	type seen struct {
		st, req tls.ConnectionState
		ok      bool
	}
	got := make(chan seen, 1)
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := Accept(w, r, nil)
		if err != nil {
			return
		}
		st, ok := c.ConnectionState()
		got <- seen{st, *r.TLS, ok}
		_ = c.Close(ws.StatusNormalClosure, "")
	}))
	ts.TLS = &tls.Config{
		Certificates: []tls.Certificate{ca.Server(t, "ws.test")},
		NextProtos:   []string{"http/1.1"},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    ca.Pool,
	}
	ts.StartTLS()
	defer ts.Close()
	c, err := ws.Dial(ctx, "wss"+ts.URL[5:]+"/", &ws.Options{TLSConfig: &tls.Config{
		RootCAs:      ca.Pool,
		ServerName:   "ws.test",
		NextProtos:   []string{"http/1.1"},
		Certificates: []tls.Certificate{ca.Client(t, "alice")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	s := <-got
	if !s.ok {
		t.Fatal("no TLS state on the accepted connection")
	}
	if s.st.Version != s.req.Version || s.st.CipherSuite != s.req.CipherSuite || s.st.NegotiatedProtocol != "http/1.1" || s.st.ServerName != "ws.test" {
		t.Errorf("state %+v, net/http's %+v", s.st, s.req)
	}
	if len(s.st.PeerCertificates) == 0 || s.st.PeerCertificates[0].Subject.CommonName != "alice" {
		t.Errorf("peer certificates %v", s.st.PeerCertificates)
	}
	cst, ok := c.ConnectionState()
	if !ok {
		t.Fatal("no TLS state on the dialed connection")
	}
	a, err1 := cst.ExportKeyingMaterial("EXPORTER-Channel-Binding", nil, 32)
	b, err2 := s.st.ExportKeyingMaterial("EXPORTER-Channel-Binding", nil, 32)
	if err1 != nil || err2 != nil || !bytes.Equal(a, b) {
		t.Errorf("tls-exporter: client %x (%v), server %x (%v)", a, err1, b, err2)
	}
}
