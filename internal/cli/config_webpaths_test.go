package cli

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
)

// webPathsConfig: one "web" transport, at most maxSessions sessions, with
// two websocket paths whose auth differ: /ws for anonymous sessions
// (every serializer), /admin for ticket principal carol (CBOR only).
func webPathsConfig(maxSessions int) string {
	return `{"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1"}], "transports": [
		{"type": "web", "endpoint": {"type": "tcp", "port": 0, "interface": "127.0.0.1"}, "max_sessions": ` + strconv.Itoa(maxSessions) + `,
		 "paths": {
		   "ws": {"type": "websocket", "auth": {"anonymous": {"type": "static", "role": "guest"}}},
		   "admin": {"type": "websocket", "serializers": ["cbor"], "options": {"max_message_size": 65536},
		             "auth": {"ticket": {"principals": {"carol": {"ticket": "C", "role": "admin"}}}}}}}]}]}`
}

// TestConfigServeWebPaths: serve --config with a web transport whose
// websocket paths have different auth and serializers: each path is an
// endpoint of its own on one listener, the transport's max_sessions
// bounds the listener's sessions over both paths, and SIGHUP lowers it
// without dropping a session.
func TestConfigServeWebPaths(t *testing.T) {
	path := filepath.Join(t.TempDir(), "router.json")
	if err := os.WriteFile(path, []byte(webPathsConfig(2)), 0o600); err != nil {
		t.Fatal(err)
	}
	var check strings.Builder
	if err := run(context.Background(), []string{"serve", "--check-config", path}, &check, io.Discard); err != nil {
		t.Fatal(err)
	}
	const tr = "workers[0].transports[0]"
	for _, want := range []string{
		tr + ": websocket on tcp 127.0.0.1:0 at /admin, serializers cbor; at /ws, serializers json, msgpack, cbor, ubjson\n",
		tr + ".paths.admin auth: realm1 ticket 1 principals; at most 2 sessions on " + tr + "\n",
		tr + ".paths.ws auth: realm1 anonymous as guest; at most 2 sessions on " + tr + "\n"} {
		if !strings.Contains(check.String(), want) {
			t.Errorf("check-config %q lacks %q", check.String(), want)
		}
	}

	readLine, stop := startServeConfig(t, path)
	rctx, rcancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer rcancel()
	var out strings.Builder
	for range 2 {
		out.WriteString(readLine())
	}
	m := regexp.MustCompile(`websocket ws://(127\.0\.0\.1:\d+)/admin ws://127\.0\.0\.1:\d+/ws\n`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no addresses in %q", out.String())
	}
	dial := func(urlPath string, s wamp.Serializer) (wamp.Transport, error) {
		return websocket.Dial(rctx, "ws://"+m[1]+urlPath, websocket.Options{Serializers: []wamp.Serializer{s}})
	}
	join := func(urlPath, authid, ticket string) (*client.Session, error) {
		t.Helper()
		c, err := dial(urlPath, cbor.Serializer{})
		if err != nil {
			t.Fatalf("dial %s: %v", urlPath, err)
		}
		opts := client.JoinOptions{AuthID: authid}
		if ticket != "" {
			opts.Authenticators = []client.Authenticator{&client.Ticket{Ticket: ticket}}
		}
		s, err := client.Join(rctx, c, "realm1", opts)
		if err == nil {
			t.Cleanup(func() { s.Close() })
		}
		return s, err
	}
	// Each path has its own serializers; other paths are not WAMP.
	if _, err := dial("/admin", json.Serializer{}); err == nil {
		t.Fatal("JSON on /admin (CBOR only): dialed")
	}
	if _, err := dial("/nope", cbor.Serializer{}); err == nil {
		t.Fatal("/nope: dialed")
	}
	anon, err := join("/ws", "", "")
	if err != nil || anon.Details()["authrole"] != "guest" {
		t.Fatalf("anonymous on /ws: %v", err)
	}
	if _, err := join("/admin", "", ""); !isAbort(err, wamp.ErrNotAuthorized) {
		t.Fatalf("anonymous on /admin: %v", err)
	}
	if _, err := join("/ws", "carol", "C"); !isAbort(err, wamp.ErrNoAuthMethod) {
		t.Fatalf("carol on /ws: %v", err)
	}
	carol, err := join("/admin", "carol", "C")
	if err != nil || carol.Details()["authrole"] != "admin" {
		t.Fatalf("carol on /admin: %v", err)
	}
	// Two sessions, one per path: the listener is full on both.
	for _, p := range []string{"/ws", "/admin"} {
		if _, err := join(p, "carol", "C"); !isAbort(err, router.ReasonEndpointFull) {
			t.Fatalf("a third session on %s: %v", p, err)
		}
	}

	// SIGHUP lowers max_sessions to 1: both sessions stay, no new one
	// joins until both have left.
	if err := os.WriteFile(path, []byte(webPathsConfig(1)), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	if l := readLine(); !strings.Contains(l, "reloaded principals, permissions and max_sessions") || strings.Contains(l, "restart") {
		t.Fatalf("after SIGHUP: %q", l)
	}
	for _, s := range []*client.Session{anon, carol} {
		if _, err := s.Call(rctx, "wamp.session.count", nil, nil, nil); err != nil {
			t.Fatalf("a session joined before the reload: %v", err)
		}
	}
	if err := carol.Leave(rctx, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := join("/admin", "carol", "C"); !isAbort(err, router.ReasonEndpointFull) {
		t.Fatalf("carol with 1 session on the listener: %v", err)
	}
	if err := anon.Leave(rctx, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := join("/admin", "carol", "C"); err != nil {
		t.Fatalf("carol on the empty listener: %v", err)
	}
	if _, err := join("/ws", "", ""); !isAbort(err, router.ReasonEndpointFull) {
		t.Fatalf("anonymous past the lowered bound: %v", err)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}
