package cli

import (
	"bufio"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/ws"
)

// serve --config: a WAMP session that never answers its GOODBYE is still
// there at the end of --shutdown-timeout: serve fails (exit status 1), as
// the flag says, instead of logging it and exiting 0.
func TestReview14ConfigShutdownTimeoutFails(t *testing.T) {
	path := filepath.Join(t.TempDir(), "router.json")
	cfg := `{"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1"}], "transports": [
		{"type": "websocket", "endpoint": {"type": "tcp", "port": 0, "interface": "127.0.0.1"}, "serializers": ["json"]}]}]}`
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	errc := make(chan error, 1)
	go func() {
		errc <- run(ctx, []string{"serve", "--config", path, "--shutdown-timeout", "50ms"}, pw, io.Discard)
		pw.Close()
	}()
	br := bufio.NewReader(pr)
	var out strings.Builder
	for range 2 {
		line, err := br.ReadString('\n')
		if err != nil {
			cancel()
			t.Fatalf("serve --config: %v (printed %q; returned %v)", err, out.String(), <-errc)
		}
		out.WriteString(line)
	}
	go func() { _, _ = io.Copy(io.Discard, br) }()
	m := regexp.MustCompile(`websocket ws://(127\.0\.0\.1:\d+)/`).FindStringSubmatch(out.String())
	if m == nil {
		cancel()
		t.Fatalf("no address in %q (returned %v)", out.String(), <-errc)
	}
	rctx, rcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer rcancel()
	c, err := ws.Dial(rctx, "ws://"+m[1]+"/", &ws.Options{Subprotocols: []string{"wamp.2.json"}})
	if err != nil {
		cancel()
		t.Fatalf("%v (returned %v)", err, <-errc)
	}
	defer c.CloseNow()
	if err := c.WriteMessage(rctx, ws.OpText, []byte(`[1,"realm1",{"roles":{"caller":{}}}]`)); err != nil {
		t.Fatal(err)
	}
	if _, p, err := c.ReadMessage(rctx); err != nil || !strings.HasPrefix(string(p), "[2,") {
		cancel()
		t.Fatalf("HELLO: %q, %v; want WELCOME (returned %v)", p, err, <-errc)
	}
	// The session reads no more: the GOODBYE is never answered.
	cancel()
	if err := <-errc; !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("serve --config --shutdown-timeout 50ms with a silent WAMP session: %v, want the deadline's error", err)
	}
}
