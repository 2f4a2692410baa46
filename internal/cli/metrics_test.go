package cli

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
	"github.com/autobahn-go/autobahn/ws"
)

// metricLine is one sample of the Prometheus text format.
var metricLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")*\})? (\S+)$`)

// scrape GETs /metrics, checks that every line is "# HELP", "# TYPE" or
// a sample, and returns the samples by "name{labels}".
func scrape(t *testing.T, addr string) map[string]float64 {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /metrics: %d, %v", resp.StatusCode, err)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Fatalf("Content-Type %q", ct)
	}
	out := map[string]float64{}
	for _, line := range strings.Split(strings.TrimSuffix(string(body), "\n"), "\n") {
		if strings.HasPrefix(line, "# HELP ") || strings.HasPrefix(line, "# TYPE ") {
			continue
		}
		m := metricLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("not a sample line: %q", line)
		}
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		out[m[1]+m[2]] = v
	}
	return out
}

// TestServeMetrics: /metrics on the HTTP port (--driver std) counts the
// echo connections of both drivers (--loop-addr), a refused handshake and the WAMP sessions.
func TestServeMetrics(t *testing.T) {
	lines, stop := startServe(t, 2, "--driver", "std", "--addr", "127.0.0.1:0", "--loop-addr", "127.0.0.1:0")
	addr := find(t, `http://(127\.0\.0\.1:\d+)/`, lines[0])
	loopAddr := find(t, `event-loop WebSocket echo on ws://(127\.0\.0\.1:\d+)/`, lines[1])
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	for _, u := range []string{"ws://" + addr + "/echo", "ws://" + loopAddr + "/"} {
		c, err := ws.Dial(ctx, u, nil)
		if err != nil {
			t.Fatal(err)
		}
		echoOnce(t, ctx, c, "hello")
		if err := c.Close(ws.StatusNormalClosure, ""); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.Get("http://" + addr + "/echo") // not an upgrade
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	refused := fmt.Sprintf(`websocket_handshakes_rejected_total{status="%d"}`, resp.StatusCode)

	// The servers count a close once OnClose has run: poll for it.
	var got map[string]float64
	for {
		got = scrape(t, addr)
		if got["websocket_connections_closed_total"] == 2 {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("closes not counted: %v", got)
		}
		time.Sleep(10 * time.Millisecond)
	}
	want := map[string]float64{
		"websocket_connections_opened_total":             2,
		"websocket_connections_active":                   0,
		`websocket_messages_total{direction="in"}`:       2,
		`websocket_messages_total{direction="out"}`:      2,
		`websocket_message_bytes_total{direction="in"}`:  10,
		`websocket_message_bytes_total{direction="out"}`: 10,
		`websocket_closes_total{code="1000"}`:            2,
		`websocket_connection_duration_seconds_count`:    2,
		refused: 1,
		`websocket_message_size_bytes_bucket{direction="in",le="16"}`: 2,
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
		}
	}

	// A WAMP session shows in the realm's gauge (beside the demo's).
	sessions, ok := got[`autobahn_wamp_sessions{realm="realm1"}`]
	if !ok {
		t.Fatal("no autobahn_wamp_sessions gauge")
	}
	tr, err := websocket.Dial(ctx, "ws://"+addr+"/ws", websocket.Options{Serializers: []wamp.Serializer{json.Serializer{}}})
	if err != nil {
		t.Fatal(err)
	}
	s, err := client.Join(ctx, tr, "realm1", client.JoinOptions{})
	if err != nil {
		t.Fatal(err)
	}
	after := scrape(t, addr)
	if n := after[`autobahn_wamp_sessions{realm="realm1"}`]; n != sessions+1 {
		t.Errorf("wamp sessions = %v, want %v", n, sessions+1)
	}
	if n := after["autobahn_wamp_sessions_joined_total"]; n != got["autobahn_wamp_sessions_joined_total"]+1 {
		t.Errorf("wamp sessions joined = %v, was %v", n, got["autobahn_wamp_sessions_joined_total"])
	}
	if err := s.Leave(ctx, ""); err != nil {
		t.Fatal(err)
	}
	goodbyes := `autobahn_wamp_sessions_closed_total{reason="wamp.close.goodbye_and_out"}`
	ended := `autobahn_wamp_sessions_closed_total{reason="transport_ended"}`
	// A second transport, closed before its HELLO: its end has no reason.
	tr2, err := websocket.Dial(ctx, "ws://"+addr+"/ws", websocket.Options{Serializers: []wamp.Serializer{json.Serializer{}}})
	if err != nil {
		t.Fatal(err)
	}
	_ = tr2.Close()
	for m := scrape(t, addr); m[goodbyes] != got[goodbyes]+1 || m[ended] < got[ended]+1; m = scrape(t, addr) {
		if ctx.Err() != nil {
			t.Fatalf("the session's end not counted: %v", scrape(t, addr))
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, k := range []string{"autobahn_wamp_events_dropped_total", "autobahn_wamp_unencodable_total", `autobahn_wamp_requests_refused_total{request="call"}`, "autobahn_wamp_user_code_panics_total"} {
		if _, ok := after[k]; !ok {
			t.Errorf("no %s", k)
		}
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}
