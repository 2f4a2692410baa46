package ws_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wshttp"
)

// wssOnly serves wss:// only, and tells each client what it negotiated.
type wssOnly struct{ ws.BaseHandler }

func (wssOnly) OnOpen(c *ws.Conn) {
	st, ok := c.ConnectionState()
	if !ok {
		_ = c.Close(ws.StatusPolicyViolation, "wss:// only")
		return
	}
	// st.PeerCertificates would name a client that sent a certificate;
	// st.ExportKeyingMaterial gives channel binding (RFC 9266).
	msg := fmt.Sprintf("%s, ALPN %s", tls.VersionName(st.Version), st.NegotiatedProtocol)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = c.WriteMessage(ctx, ws.OpText, []byte(msg))
}

// A handler reads the TLS state of its connection: the same call on every
// driver (net/http with ws/wshttp, ws.Server, ws/wsloop) and on clients.
func ExampleConn_ConnectionState() {
	srv := &ws.Server{Handler: wssOnly{}}
	ts := httptest.NewTLSServer(wshttp.Handler(srv)) // ALPN: http/1.1
	defer ts.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	defer srv.Shutdown(ctx)

	cfg := ts.Client().Transport.(*http.Transport).TLSClientConfig.Clone() // trusts ts
	cfg.NextProtos = []string{"http/1.1"}
	c, err := ws.Dial(ctx, "wss"+strings.TrimPrefix(ts.URL, "https"), &ws.Options{TLSConfig: cfg})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close(ws.StatusNormalClosure, "")
	_, msg, err := c.ReadMessage(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("server:", string(msg))
	if st, ok := c.ConnectionState(); ok {
		fmt.Println("client: verified", st.PeerCertificates[0].Subject.Organization[0], "certificate")
	}
	// Output:
	// server: TLS 1.3, ALPN http/1.1
	// client: verified Acme Co certificate
}
