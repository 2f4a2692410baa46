package cli

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Once serve begins to stop, /healthz answers 503 (on --addr and
// --metrics-addr alike), so that a load balancer stops sending clients
// while the WAMP router, which refuses new sessions from then on, waits
// for its sessions' GOODBYEs. Here a joined client that reads nothing
// holds the router's close until --shutdown-timeout.
func TestReview15ServeHealthWhileStopping(t *testing.T) {
	for _, driver := range []string{"std", "loop"} {
		t.Run(driver, func(t *testing.T) {
			lines, stop := startServe(t, 3, "--driver", driver, "--addr", "127.0.0.1:0",
				"--metrics-addr", "127.0.0.1:0", "--shutdown-timeout", "1s")
			addr := find(t, `http://(127\.0\.0\.1:\d+)/`, lines[0])
			maddr := find(t, `metrics on http://(127\.0\.0\.1:\d+)/`, strings.Join(lines, ""))
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			health := func(a string) (int, string) {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+a+"/healthz", nil)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					return 0, err.Error()
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, string(b)
			}
			for _, a := range []string{addr, maddr} {
				if code, body := health(a); code != 200 || !strings.Contains(body, `"ok"`) {
					t.Fatalf("%s/healthz while serving: %d %q", a, code, body)
				}
			}
			c := joinWAMP(ctx, t, addr)
			defer c.NetConn().Close()
			done := make(chan error, 1)
			go func() { done <- stop() }()
			// The GOODBYE the client does not answer holds the router for
			// --shutdown-timeout: meanwhile /healthz must say so.
		check:
			for _, a := range []string{maddr, addr} {
				for {
					code, body := health(a)
					if code == 503 && strings.Contains(body, "shutting down") {
						break
					}
					if code != 200 {
						t.Errorf("%s/healthz while stopping: %d %q, want 503", a, code, body)
						break check
					}
				}
			}
			<-done
		})
	}
}
