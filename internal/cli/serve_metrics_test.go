package cli

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/ws"
)

// TestServeMetricsLoopDriver: with --driver loop, the loop serves --addr:
// WebSocket, and plain HTTP requests for the page, /metrics and /healthz;
// --metrics-addr serves /metrics (counting the loop's connections,
// messages, closes and a refused handshake) and /healthz as well.
func TestServeMetricsLoopDriver(t *testing.T) {
	lines, stop := startServe(t, 3, "--driver", "loop", "--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0")
	loopAddr := find(t, `http://(127\.0\.0\.1:\d+)/ \(driver loop`, lines[0])
	maddr := find(t, `metrics on http://(127\.0\.0\.1:\d+)/metrics`, lines[2])
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	c, err := ws.Dial(ctx, "ws://"+loopAddr+"/echo", nil)
	if err != nil {
		t.Fatal(err)
	}
	echoOnce(t, ctx, c, "hello")
	echoOnce(t, ctx, c, "again")
	if err := c.Close(ws.StatusNormalClosure, ""); err != nil {
		t.Fatal(err)
	}
	// An upgrade without a key: the loop refuses it, and counts it.
	nc, err := net.DialTimeout("tcp", loopAddr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = nc.Write([]byte("GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n"))
	_ = nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	head, _ := io.ReadAll(nc)
	nc.Close()
	if !strings.HasPrefix(string(head), "HTTP/1.1 400 ") {
		t.Fatalf("upgrade without a key on the loop's port: %q", head)
	}
	refused := `websocket_handshakes_rejected_total{status="400"}`

	// Plain HTTP on the loop's port: /metrics and /healthz are answered there too.
	for _, path := range []string{"/metrics", "/healthz", "/"} {
		resp, err := http.Get("http://" + loopAddr + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || len(b) == 0 {
			t.Fatalf("GET %s on the loop's port: %d, %d bytes", path, resp.StatusCode, len(b))
		}
		if path == "/metrics" && !strings.Contains(string(b), "websocket_connections_opened_total") {
			t.Fatalf("/metrics on the loop's port: %q", b)
		}
	}

	var got map[string]float64
	for {
		got = scrape(t, maddr)
		if got["websocket_connections_closed_total"] == 1 {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("close not counted: %v", got)
		}
		time.Sleep(10 * time.Millisecond)
	}
	want := map[string]float64{
		"websocket_connections_opened_total":             1,
		"websocket_connections_active":                   0,
		`websocket_messages_total{direction="in"}`:       2,
		`websocket_messages_total{direction="out"}`:      2,
		`websocket_message_bytes_total{direction="in"}`:  10,
		`websocket_message_bytes_total{direction="out"}`: 10,
		`websocket_closes_total{code="1000"}`:            1,
		refused:                                          1,
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
		}
	}
	if _, ok := got[`autobahn_wamp_sessions{realm="realm1"}`]; !ok {
		t.Error("no autobahn_wamp_sessions gauge")
	}
	hresp, err := http.Get("http://" + maddr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	hresp.Body.Close()
	if hresp.StatusCode != http.StatusOK {
		t.Fatalf("/healthz on --metrics-addr: %d", hresp.StatusCode)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

// TestServeMetricsAddrInUse: a --metrics-addr that cannot be listened on
// stops serve with an error naming the flag.
func TestServeMetricsAddrInUse(t *testing.T) {
	ln, err := listenTCP("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	err = run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--metrics-addr", ln.Addr().String()}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "--metrics-addr") {
		t.Fatalf("serve: %v, want an error naming --metrics-addr", err)
	}
}
