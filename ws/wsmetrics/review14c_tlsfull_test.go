package wsmetrics_test

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"os"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsmetrics"
)

// TestFullTLSServerSilentClient: a ws.Server serving wss:// that is full
// refuses a further connection (503, counted) within its handshake
// timeout even when that client never starts TLS: the refusal must not
// wait for the client forever (one goroutine and one fd per such client).
func TestFullTLSServerSilentClient(t *testing.T) {
	cfg := selfSigned(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m := new(wsmetrics.Set)
	h := &echo{closes: make(chan ws.StatusCode, 4)}
	s := &ws.Server{Handler: h, Metrics: m, Options: &ws.Options{MaxConnections: 1, HandshakeTimeout: 200 * time.Millisecond}}
	done := make(chan struct{})
	go func() { _ = s.Serve(tls.NewListener(ln, cfg)); close(done) }()
	defer func() { _ = s.Shutdown(context.Background()); <-done }()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	held, err := ws.Dial(ctx, "wss://"+ln.Addr().String()+"/", &ws.Options{TLSConfig: &tls.Config{InsecureSkipVerify: true}})
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(ctx, t, held, ws.OpText, []byte("x"))

	nc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	// Silent: no ClientHello. The server must end the connection; the
	// deadline is far beyond the handshake timeout.
	_ = nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	var b [64]byte
	_, err = nc.Read(b[:])
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatal("a silent client of a full wss server was never let go")
	}
	if got := m.Snapshot().Rejected["503"]; got != 1 {
		t.Errorf("Rejected 503 = %d, want 1", got)
	}

	_ = held.Close(ws.StatusNormalClosure, "")
	wantClose(t, h, ws.StatusNormalClosure)
}
