package wsloop_test

import (
	"context"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/internal/wsconf"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsloop"
	"github.com/autobahn-go/autobahn/ws/wsmetrics"
)

// TestReview18OriginBeforeAdmit: an upgrade from an origin the server does
// not allow gets 403 also when the server is full, and neither takes a
// slot nor asks Server.Admit, as wshttp answers it. It got 503 when
// MaxConnections was reached, and asked Admit otherwise.
func TestReview18OriginBeforeAdmit(t *testing.T) {
	b := &review16Bound{n: 1}
	m := new(wsmetrics.Set)
	srv := &wsloop.Server{Handler: review16Echo{}, Options: &ws.Options{MaxConnections: 1},
		Config: eventloop.Config{Loops: 1}, Metrics: m, Admit: b.admit}
	addr, _ := wsconf.StartLoop(t, srv)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	crossOrigin := "GET / HTTP/1.1\r\nHost: " + addr.String() + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nOrigin: http://evil.example\r\n\r\n"
	if got := review17Ask(t, addr, crossOrigin); got != 403 {
		t.Fatalf("cross-origin upgrade: %d, want 403", got)
	}
	if n := b.admitted.Load(); n != 0 {
		t.Fatalf("Admit admitted %d cross-origin upgrades, want 0", n)
	}
	c1, err := review16Dial(ctx, t, "ws://"+addr.String()+"/")
	if err != nil {
		t.Fatal(err)
	}
	defer c1.CloseNow()
	if got := review17Ask(t, addr, crossOrigin); got != 403 {
		t.Fatalf("full, cross-origin upgrade: %d, want 403", got)
	}
	if snap := m.Snapshot(); snap.Rejected["403"] != 2 || snap.Rejected["503"] != 0 {
		t.Fatalf("Rejected = %v, want 403: 2", snap.Rejected)
	}
}
