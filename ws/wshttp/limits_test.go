package wshttp_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wshttp"
)

// TestHeaderLineLimit: an upgrade with ws.DefaultMaxHeaders header lines
// (Host included) is accepted; one more is answered with 431 and the
// connection closed at once, through Handler as through Accept.
func TestHeaderLineLimit(t *testing.T) {
	mux := http.NewServeMux()
	srv := &ws.Server{Handler: ws.BaseHandler{}}
	mux.Handle("/handler", wshttp.Handler(srv))
	mux.HandleFunc("/accept", func(w http.ResponseWriter, r *http.Request) {
		c, err := wshttp.Accept(w, r, nil)
		if err == nil {
			_ = c.CloseNow()
		}
	})
	hs := httptest.NewServer(mux)
	defer hs.Close()
	defer srv.Shutdown(t.Context())
	addr := strings.TrimPrefix(hs.URL, "http://")

	// Host, Upgrade, Connection, Sec-WebSocket-Key, Sec-WebSocket-Version.
	const fixed = 5
	for _, path := range []string{"/handler", "/accept"} {
		for _, tc := range []struct {
			lines  int
			status string
		}{{ws.DefaultMaxHeaders, "101"}, {ws.DefaultMaxHeaders + 1, "431"}, {1000, "431"}} {
			nc, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			_ = nc.SetDeadline(time.Now().Add(5 * time.Second))
			// Lines of one name are merged by net/http: counted one by one.
			req := "GET " + path + " HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
				"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
				strings.Repeat("X-Pad: y\r\n", tc.lines-fixed) + "\r\n"
			if _, err := io.WriteString(nc, req); err != nil {
				t.Fatal(err)
			}
			br := bufio.NewReader(nc)
			status, err := br.ReadString('\n')
			if err != nil || !strings.HasPrefix(status, "HTTP/1.1 "+tc.status) {
				t.Fatalf("%s, %d header lines: %q %v, want %s", path, tc.lines, status, err, tc.status)
			}
			if tc.status != "101" {
				// Closed after the answer, not kept alive: EOF well before
				// the deadline.
				if _, err := io.Copy(io.Discard, br); err != nil {
					t.Fatalf("%s, %d header lines: after the 431: %v, want EOF", path, tc.lines, err)
				}
			}
			nc.Close()
		}
	}
}
