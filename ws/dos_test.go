package ws_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/internal/wsconf"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wshttp"
)

// TestDoS runs the DoS checklist (issue 15) against ws.Server.
func TestDoS(t *testing.T) {
	wsconf.DoS(t, func(t *testing.T, h ws.Handler, o *ws.Options) string {
		return serveRaw(t, &ws.Server{Handler: h, Options: o})
	}, nil)
}

// TestDoSHTTP runs it against wshttp behind a net/http server configured
// as the wshttp docs advise (ReadHeaderTimeout, MaxHeaderBytes).
func TestDoSHTTP(t *testing.T) {
	wsconf.DoS(t, func(t *testing.T, h ws.Handler, o *ws.Options) string {
		hs := &http.Server{Handler: wshttp.Handler(&ws.Server{Handler: h, Options: o}),
			ReadHeaderTimeout: o.HandshakeTimeout, MaxHeaderBytes: 8 << 10, IdleTimeout: o.HandshakeTimeout}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- hs.Serve(ln) }()
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := hs.Shutdown(ctx); err != nil {
				t.Error(err)
			}
			if err := <-done; !errors.Is(err, http.ErrServerClosed) {
				t.Error(err)
			}
		})
		return ln.Addr().String()
	}, nil)
}
