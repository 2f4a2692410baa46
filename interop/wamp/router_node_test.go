package wamp

import (
	"context"
	stdjson "encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
)

// nodeModules is where scripts/interop.sh installs AutobahnJS (and ws).
func nodeModules() string {
	d := os.Getenv("INTEROP_NODE_DIR")
	if d == "" {
		home, _ := os.UserHomeDir()
		d = filepath.Join(home, ".cache", "autobahn-interop", "node")
	}
	return filepath.Join(d, "node_modules")
}

var (
	nodeWSOnce sync.Once
	nodeWSErr  error
)

// nodeWebSocket checks once that node has a WebSocket (with the flag).
func nodeWebSocket(node string) error {
	nodeWSOnce.Do(func() {
		nodeWSErr = exec.Command(node, "--experimental-websocket", "-e", "if (typeof WebSocket !== 'function') process.exit(1)").Run()
	})
	return nodeWSErr
}

// jsPeer returns the command running peers/wamp_js.js with cfg on Node
// with its WebSocket (--experimental-websocket: Node 20 has it behind the
// flag, AutobahnJS 26 needs it), or skips when Node or AutobahnJS is
// missing.
func jsPeer(t *testing.T, ctx context.Context, cfg map[string]any) *exec.Cmd {
	t.Helper()
	return jsPeerScript(t, ctx, "wamp_js.js", cfg)
}

// jsPeerScript is jsPeer with another script of peers/.
func jsPeerScript(t *testing.T, ctx context.Context, script string, cfg map[string]any) *exec.Cmd {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		skipOrFail(t, "node missing (%v)", err)
	}
	if err := nodeWebSocket(node); err != nil {
		skipOrFail(t, "node has no WebSocket, AutobahnJS needs Node >= 20.10 (%v)", err)
	}
	mods := nodeModules()
	if _, err := os.Stat(filepath.Join(mods, "autobahn", "package.json")); err != nil {
		skipOrFail(t, "AutobahnJS missing in %s (%v)", mods, err)
	}
	b, err := stdjson.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, node, "--experimental-websocket", "--no-warnings", filepath.Join("..", "peers", script), string(b))
	cmd.Env = append(os.Environ(), "NODE_PATH="+mods)
	return cmd
}

// jsPayload is what wamp_js.js sends (payload()): integers within ±2^53
// (JavaScript numbers), bytes only with a binary serializer.
func jsPayload(withBytes bool) (wamp.List, wamp.Dict) {
	args := wamp.List{1, pyText, wamp.List{int64(1<<53 - 1), int64(-(1<<53 - 1)), 0, -1}, wamp.Dict{"nested": wamp.List{nil, true, false, 1.5}}}
	kwargs := wamp.Dict{"ü": pyText, "list": wamp.List{1, "x"}}
	if withBytes {
		args = append(args, pyBytes)
		kwargs["b"] = pyBytes
	}
	return args, kwargs
}

// rsEndpoint splits the router's RawSocket address for AutobahnJS.
func rsEndpoint(t *testing.T, addr string) map[string]any {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := strconv.Atoi(port)
	return map[string]any{"host": host, "port": p}
}

var jsCoreCases = []string{
	"rpc_go_echo", "rpc_echo", "rpc_progressive", "rpc_error", "rpc_no_such_procedure", "rpc_cancel",
	"rpc_disclose_me", "rpc_prefix", "pub_acknowledge", "pub_payload", "pub_exclude_me", "pub_prefix",
	"pub_wildcard", "end",
}

// TestRouterJS runs AutobahnJS (Node) against our router over WebSocket
// (on goroutines and on the event loop) with JSON, MessagePack and CBOR,
// and over RawSocket with JSON (the one
// serializer AutobahnJS has there): RPC to a Go callee and to itself with
// non-ASCII, 2^53 integers and (msgpack, cbor) bytes, progressive results,
// errors with arguments, cancel (mode kill), caller and publisher
// disclosure, prefix and wildcard patterns, exclude_me, acknowledge; a Go
// subscriber checks what it published.
func TestRouterJS(t *testing.T) {
	for _, tc := range []struct{ transport, ser string }{
		{"ws", "json"}, {"ws", "msgpack"}, {"ws", "cbor"}, {"loop", "json"}, {"loop", "cbor"}, {"rs", "json"},
	} {
		t.Run(tc.transport+"."+tc.ser, func(t *testing.T) {
			t.Parallel()
			tr := startRouter(t)
			g := startGoSide(t, tr)
			withBytes := tc.ser != "json"
			cfg := map[string]any{"url": tr.url(tc.transport), "realm": routerRealm, "serializer": tc.ser, "mode": "core", "bytes": withBytes}
			if tc.transport == "rs" {
				cfg["rawsocket"] = rsEndpoint(t, tr.rsAddr)
			}
			res := runPeer(t, jsPeer(t, peerCtx(t, 60*time.Second), cfg))
			res.requireCases(t, jsCoreCases...)
			args, kwargs := jsPayload(withBytes)
			select {
			case e := <-g.events:
				if got, want := canonical([]any{e.Args, e.Kwargs}), canonical([]any{args, kwargs}); got != want {
					t.Errorf("go.topic event from AutobahnJS:\n got %s\nwant %s", got, want)
				}
			case <-time.After(5 * time.Second):
				t.Errorf("the Go subscriber got no go.topic event")
			}
			select {
			case <-g.interrupted:
			case <-time.After(5 * time.Second):
				t.Errorf("go.slow was not interrupted by the canceled call")
			}
		})
	}
}

// TestRouterJSAuth joins our router from AutobahnJS with the static
// principals: anonymous, ticket, wampcra (unsalted and salted), cryptosign
// (by authid and by key), and wrong credentials of each kind.
func TestRouterJSAuth(t *testing.T) {
	for _, tc := range []struct{ transport, ser string }{{"loop", "msgpack"}, {"rs", "json"}} {
		t.Run(tc.transport+"."+tc.ser, func(t *testing.T) {
			t.Parallel()
			tr := startRouter(t)
			cases := authCases(false)
			cfg := map[string]any{"url": tr.url(tc.transport), "realm": routerRealm, "serializer": tc.ser, "mode": "auth", "auths": cases}
			if tc.transport == "rs" {
				cfg["rawsocket"] = rsEndpoint(t, tr.rsAddr)
			}
			res := runPeer(t, jsPeer(t, peerCtx(t, 60*time.Second), cfg))
			checkAuth(t, res, cases, false)
		})
	}
}
