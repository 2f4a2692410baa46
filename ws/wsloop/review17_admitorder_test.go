package wsloop_test

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/internal/wsconf"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsloop"
	"github.com/autobahn-go/autobahn/ws/wsmetrics"
)

// review17Ask sends the raw request req to addr and returns the status
// of the server's answer.
func review17Ask(t *testing.T, addr net.Addr, req string) int {
	t.Helper()
	nc, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := nc.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(nc), nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

// TestReview17AdmitOrder: a request that is no valid upgrade is answered
// as such (426 without Upgrade, 400 without a key) also when the server
// is full, and is neither admitted (Server.Admit is not asked) nor
// counted as a refusal for capacity (Rejected["503"]); with and without
// Server.HTTP. It got 503 when MaxConnections was reached, and took a slot
// and asked Admit otherwise.
func TestReview17AdmitOrder(t *testing.T) {
	for _, withHTTP := range []bool{false, true} {
		name := "noHTTP"
		if withHTTP {
			name = "HTTP"
		}
		t.Run(name, func(t *testing.T) {
			b := &review16Bound{n: 1}
			m := new(wsmetrics.Set)
			srv := &wsloop.Server{Handler: review16Echo{}, Options: &ws.Options{MaxConnections: 1},
				Config: eventloop.Config{Loops: 1}, Metrics: m, Admit: b.admit}
			if withHTTP {
				srv.HTTP = func(*ws.Request) wsloop.HTTPResponse { return wsloop.HTTPResponse{Body: []byte("ok")} }
			}
			addr, _ := wsconf.StartLoop(t, srv)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()

			noKey := "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n"
			// Room for one: a bad upgrade does not ask Admit.
			if got := review17Ask(t, addr, noKey); got != 400 {
				t.Fatalf("upgrade without a key: %d, want 400", got)
			}
			if n := b.admitted.Load(); n != 0 {
				t.Fatalf("Admit admitted %d bad upgrades, want 0", n)
			}

			c1, err := review16Dial(ctx, t, "ws://"+addr.String()+"/")
			if err != nil {
				t.Fatal(err)
			}
			defer c1.CloseNow()
			// Full: still the request's own answer.
			if got := review17Ask(t, addr, noKey); got != 400 {
				t.Fatalf("full, upgrade without a key: %d, want 400", got)
			}
			want := 426
			if withHTTP {
				want = 200 // Server.HTTP's
			}
			if got := review17Ask(t, addr, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); got != want {
				t.Fatalf("full, plain GET: %d, want %d", got, want)
			}
			if _, err := ws.Dial(ctx, "ws://"+addr.String()+"/", nil); review16Status(err) != 503 {
				t.Fatalf("full, a valid upgrade: %v, want 503", err)
			}
			snap := m.Snapshot()
			if snap.Rejected["503"] != 1 || snap.Rejected["400"] != 2 {
				t.Fatalf("Rejected = %v, want 503: 1 (the valid upgrade), 400: 2", snap.Rejected)
			}
			if !withHTTP && snap.Rejected["426"] != 1 {
				t.Fatalf("Rejected = %v, want 426: 1", snap.Rejected)
			}
			if n := b.admitted.Load(); n != 1 {
				t.Fatalf("Admit admitted %d, want 1", n)
			}
		})
	}
}
