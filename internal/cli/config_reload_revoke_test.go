package cli

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/rawsocket"
)

// TestReviewReloadRevocationSticks: a principal revoked by one SIGHUP must
// stay revoked when a later SIGHUP's file no longer lists the transport (a
// removed transport "keeps its auth": the auth it had, not the one of the
// file serve started with).
func TestReviewReloadRevocationSticks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "router.json")
	write := func(s string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(endpointConfig(`"alice": {"ticket": "A", "role": "user"}`))
	readLine, stop := startServeConfig(t, path)
	hup := func(want string) {
		t.Helper()
		if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		if l := readLine(); !strings.Contains(l, want) {
			t.Fatalf("after SIGHUP: %q, want %q", l, want)
		}
	}
	var out strings.Builder
	for range 3 {
		out.WriteString(readLine())
	}
	m := regexp.MustCompile(`rawsocket tcp://(127\.0\.0\.1:\d+)\n`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no rawsocket address in %q", out.String())
	}
	rctx, rcancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer rcancel()
	join := func(authid, ticket string) error {
		t.Helper()
		tr, err := rawsocket.Dial(rctx, "tcp", m[1], rawsocket.Options{Serializer: json.Serializer{}})
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		s, err := client.Join(rctx, tr, "realm1", client.JoinOptions{AuthID: authid,
			Authenticators: []client.Authenticator{&client.Ticket{Ticket: ticket}}})
		if err == nil {
			_ = s.Leave(rctx, "")
			s.Close()
		}
		return err
	}
	if err := join("alice", "A"); err != nil {
		t.Fatalf("alice before the reloads: %v", err)
	}
	// Reload 1: alice revoked, carol instead.
	write(endpointConfig(`"carol": {"ticket": "C", "role": "user"}`))
	hup("reloaded principals")
	if err := join("alice", "A"); !isAbort(err, wamp.ErrAuthenticationFailed) {
		t.Fatalf("alice after the revocation: %v", err)
	}
	// Reload 2: the RawSocket transport left out of the file (it keeps
	// running until a restart, with the auth it has).
	write(`{"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1"}], "transports": [
		{"type": "websocket", "endpoint": {"type": "tcp", "port": 0, "interface": "127.0.0.1"}, "serializers": ["json"]}]}]}`)
	hup("reloaded principals")
	if err := join("alice", "A"); !isAbort(err, wamp.ErrAuthenticationFailed) {
		t.Fatalf("alice, revoked by the first reload, after the second: %v (want %s)", err, wamp.ErrAuthenticationFailed)
	}
	if err := join("carol", "C"); err != nil {
		t.Fatalf("carol after the second reload: %v", err)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}
