package wshttp_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wshttp"
	"github.com/autobahn-go/autobahn/ws/wsmetrics"
)

// review18Status returns the status of a handshake ws.Dial had refused.
func review18Status(t *testing.T, err error) int {
	t.Helper()
	var he *ws.HandshakeError
	if !errors.As(err, &he) {
		t.Fatalf("dial: %v, want a refused handshake", err)
	}
	return he.Status
}

// TestReview18OriginBeforeAdmit: under Handler and AcceptConn, an upgrade
// from an origin that is not allowed, or a request that is no upgrade,
// gets its own answer (403, 426) also when the server is full, as wsloop
// answers it; and it takes no slot. Admission came first: a full server
// answered such requests 503.
func TestReview18OriginBeforeAdmit(t *testing.T) {
	for _, api := range []string{"Handler", "AcceptConn"} {
		t.Run(api, func(t *testing.T) {
			m := new(wsmetrics.Set)
			srv := &ws.Server{Handler: ws.BaseHandler{}, Options: &ws.Options{MaxConnections: 1, PingInterval: -1}, Metrics: m}
			h := wshttp.Handler(srv)
			if api == "AcceptConn" {
				h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					c, end, err := wshttp.AcceptConn(srv, w, r, srv.Options)
					if err != nil {
						return
					}
					defer end()
					for {
						if _, _, err := c.ReadMessage(context.Background()); err != nil {
							return
						}
					}
				})
			}
			hs := httptest.NewServer(h)
			defer hs.Close()
			url := "ws" + strings.TrimPrefix(hs.URL, "http") + "/"
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			evil := &ws.Options{Header: map[string][]string{"Origin": {"http://evil.example"}}}

			c, err := ws.Dial(ctx, url, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer c.CloseNow()
			// Full now.
			if _, err := ws.Dial(ctx, url, evil); review18Status(t, err) != 403 {
				t.Fatalf("full, cross-origin upgrade: %v, want 403", err)
			}
			resp, err := http.Get(hs.URL + "/")
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			if resp.StatusCode != 426 {
				t.Fatalf("full, plain GET: %d, want 426", resp.StatusCode)
			}
			if _, err := ws.Dial(ctx, url, nil); review18Status(t, err) != 503 {
				t.Fatalf("full, a good upgrade: %v, want 503", err)
			}
			if snap := m.Snapshot(); snap.Rejected["403"] != 1 || snap.Rejected["426"] != 1 || snap.Rejected["503"] != 1 {
				t.Fatalf("Rejected = %v, want 403: 1, 426: 1, 503: 1", snap.Rejected)
			}
			_ = c.Close(ws.StatusNormalClosure, "")
			if err := srv.Shutdown(ctx); err != nil {
				t.Fatalf("Shutdown: %v", err)
			}
		})
	}
}
