package wshttp_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wshttp"
)

// ws.Dial offers only http/1.1 in ALPN, whatever its TLS configuration
// offers: with a configuration shared with an HTTP/2 client (h2 first) a
// server with HTTP/2 picked h2, took the upgrade request for a broken
// HTTP/2 preface and hung up, and Dial failed with a bare EOF.
func TestDialOffersOnlyHTTP11(t *testing.T) {
	srv := &ws.Server{Handler: ws.BaseHandler{}}
	ts := httptest.NewUnstartedServer(wshttp.Handler(srv))
	ts.EnableHTTP2 = true
	ts.StartTLS()
	t.Cleanup(func() {
		ts.Close()
		_ = srv.Shutdown(context.Background())
	})
	roots := x509.NewCertPool()
	roots.AddCert(ts.Certificate())
	tlsCfg := &tls.Config{RootCAs: roots, NextProtos: []string{"h2", "http/1.1"}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := ws.Dial(ctx, "wss"+strings.TrimPrefix(ts.URL, "https"), &ws.Options{TLSConfig: tlsCfg, PingInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	_ = c.CloseNow()
	if got := tlsCfg.NextProtos; len(got) != 2 {
		t.Fatalf("the caller's configuration was changed: %v", got)
	}
}
