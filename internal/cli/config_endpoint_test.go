package cli

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/rawsocket"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
)

// endpointConfig: a WebSocket transport for anonymous sessions, and a
// RawSocket transport for the ticket principals given (authid → ticket),
// at most one session at once.
func endpointConfig(principals string) string {
	return `{"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1"}], "transports": [
		{"type": "websocket", "endpoint": {"type": "tcp", "port": 0, "interface": "127.0.0.1"}, "serializers": ["json"]},
		{"type": "rawsocket", "endpoint": {"type": "tcp", "port": 0, "interface": "127.0.0.1"}, "max_sessions": 1,
		 "auth": {"ticket": {"principals": {` + principals + `}}}}]}]}`
}

// TestConfigServePerTransportAuth: serve --config with two transports
// whose auth differ: each authenticates its own sessions through real
// sockets, the RawSocket one holds one session at most, and SIGHUP
// reloads its principals.
func TestConfigServePerTransportAuth(t *testing.T) {
	path := filepath.Join(t.TempDir(), "router.json")
	if err := os.WriteFile(path, []byte(endpointConfig(`"alice": {"ticket": "A", "role": "user"}`)), 0o600); err != nil {
		t.Fatal(err)
	}
	var check strings.Builder
	if err := run(context.Background(), []string{"serve", "--check-config", path}, &check, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"workers[0].transports[0] auth: realm1 anonymous as anonymous\n",
		"workers[0].transports[1] auth: realm1 ticket 1 principals; at most 1 sessions\n"} {
		if !strings.Contains(check.String(), want) {
			t.Errorf("check-config %q lacks %q", check.String(), want)
		}
	}

	readLine, stop := startServeConfig(t, path)
	rctx, rcancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer rcancel()
	var out strings.Builder
	for range 3 {
		out.WriteString(readLine())
	}
	m := regexp.MustCompile(`(?s)websocket ws://(127\.0\.0\.1:\d+)/\n.*rawsocket tcp://(127\.0\.0\.1:\d+)\n`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no addresses in %q", out.String())
	}
	wsDial := func() (wamp.Transport, error) {
		return websocket.Dial(rctx, "ws://"+m[1]+"/", websocket.Options{Serializers: []wamp.Serializer{json.Serializer{}}})
	}
	rawDial := func() (wamp.Transport, error) {
		return rawsocket.Dial(rctx, "tcp", m[2], rawsocket.Options{Serializer: json.Serializer{}})
	}
	join := func(dial func() (wamp.Transport, error), authid, ticket string) (*client.Session, error) {
		t.Helper()
		tr, err := dial()
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		opts := client.JoinOptions{AuthID: authid}
		if ticket != "" {
			opts.Authenticators = []client.Authenticator{&client.Ticket{Ticket: ticket}}
		}
		s, err := client.Join(rctx, tr, "realm1", opts)
		if err == nil {
			t.Cleanup(func() { s.Close() })
		}
		return s, err
	}
	anon, err := join(wsDial, "", "")
	if err != nil || anon.Details()["authrole"] != "anonymous" {
		t.Fatalf("anonymous on the WebSocket transport: %v", err)
	}
	if _, err := join(wsDial, "alice", "A"); !isAbort(err, wamp.ErrNoAuthMethod) {
		t.Fatalf("alice on the WebSocket transport: %v", err)
	}
	if _, err := join(rawDial, "", ""); !isAbort(err, wamp.ErrNotAuthorized) {
		t.Fatalf("anonymous on the RawSocket transport: %v", err)
	}
	alice, err := join(rawDial, "alice", "A")
	if err != nil || alice.Details()["authid"] != "alice" {
		t.Fatalf("alice on the RawSocket transport: %v", err)
	}
	if _, err := join(rawDial, "alice", "A"); !isAbort(err, router.ReasonEndpointFull) {
		t.Fatalf("a second session on the RawSocket transport: %v", err)
	}

	// SIGHUP: carol replaces alice on the RawSocket transport.
	if err := os.WriteFile(path, []byte(endpointConfig(`"carol": {"ticket": "C", "role": "user"}`)), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	if l := readLine(); !strings.Contains(l, "reloaded principals, permissions and max_sessions") || strings.Contains(l, "restart") {
		t.Fatalf("after SIGHUP: %q", l)
	}
	// alice's session, joined before, stays until she leaves; her place
	// is free once the router has answered her GOODBYE.
	if _, err := join(rawDial, "carol", "C"); !isAbort(err, router.ReasonEndpointFull) {
		t.Fatalf("carol while alice stays: %v", err)
	}
	if err := alice.Leave(rctx, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := join(rawDial, "alice", "A"); !isAbort(err, wamp.ErrAuthenticationFailed) {
		t.Fatalf("alice after the reload: %v", err)
	}
	if _, err := join(rawDial, "carol", "C"); err != nil {
		t.Fatalf("carol after the reload: %v", err)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}
