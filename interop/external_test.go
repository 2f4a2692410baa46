package interop

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// need returns the path of an external peer program, skipping the test when
// it is missing (failing with INTEROP_REQUIRE=1).
func need(t *testing.T, name string, check ...string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil && len(check) > 0 {
		err = exec.Command(p, check...).Run()
	}
	if err != nil {
		if os.Getenv("INTEROP_REQUIRE") == "1" {
			t.Fatalf("peer %s missing (%v): run scripts/interop.sh", name, err)
		}
		t.Skipf("peer %s missing (%v); scripts/interop.sh installs it", name, err)
	}
	return p
}

// nodeDir is where scripts/interop.sh installs the ws package.
func nodeDir() string {
	if d := os.Getenv("INTEROP_NODE_DIR"); d != "" {
		return d
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cache", "autobahn-interop", "node")
}

func nodeCmd(t *testing.T, ctx context.Context, script string, args ...string) *exec.Cmd {
	node := need(t, "node")
	mods := filepath.Join(nodeDir(), "node_modules")
	if _, err := os.Stat(filepath.Join(mods, "ws")); err != nil {
		need(t, "node-ws-package-in-"+mods)
	}
	cmd := exec.CommandContext(ctx, node, append([]string{filepath.Join("peers", script)}, args...)...)
	cmd.Env = append(os.Environ(), "NODE_PATH="+mods)
	return cmd
}

func pythonCmd(t *testing.T, ctx context.Context, script string, args ...string) *exec.Cmd {
	// Only Debian's python sees python3-autobahn.
	py := need(t, "/usr/bin/python3", "-c", "import autobahn.twisted.websocket, twisted")
	return exec.CommandContext(ctx, py, append([]string{filepath.Join("peers", script)}, args...)...)
}

// runClient runs a peer client against our echo server; it must exit 0 and
// our server must see a clean close.
func runClient(t *testing.T, mk func(ctx context.Context, url string) *exec.Cmd, wantClose string) {
	for _, driver := range drivers {
		t.Run(driver, func(t *testing.T) {
			rec := newRecorder()
			url := ourServerOn(t, rec, driver)
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			out, err := mk(ctx, url).CombinedOutput()
			if err != nil {
				t.Fatalf("peer client: %v\n%s", err, out)
			}
			if got := rec.last(t); got != wantClose {
				t.Fatalf("server saw %q, want %q", got, wantClose)
			}
		})
	}
}

// startPeerServer starts a peer server that prints its port on the first
// line and returns ws://127.0.0.1:port/.
func startPeerServer(t *testing.T, cmd *exec.Cmd) string {
	t.Helper()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("peer server did not start: %v\n%s", err, stderr.String())
	}
	return fmt.Sprintf("ws://127.0.0.1:%s/", strings.TrimSpace(line))
}

func TestNodeClientOurServer(t *testing.T) {
	runClient(t, func(ctx context.Context, url string) *exec.Cmd {
		return nodeCmd(t, ctx, "node_client.js", url)
	}, "NormalClosure(1000) node done")
}

func TestOurClientNodeServer(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	url := startPeerServer(t, nodeCmd(t, ctx, "node_server.js"))
	ourClientEcho(t, url)
	ourLoopClientEcho(t, url)
}

func TestPythonClientOurServer(t *testing.T) {
	runClient(t, func(ctx context.Context, url string) *exec.Cmd {
		return pythonCmd(t, ctx, "py_client.py", url)
	}, "NormalClosure(1000) python done")
}

func TestOurClientPythonServer(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	url := startPeerServer(t, pythonCmd(t, ctx, "py_server.py"))
	ourClientEcho(t, url)
	ourLoopClientEcho(t, url)
}

// TestChromiumServePage loads the `autobahn serve` page in headless
// Chromium; its script echoes a text and a binary message through the
// browser's WebSocket and writes PASS into the DOM.
func TestChromiumServePage(t *testing.T) {
	chromium := need(t, "chromium")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	bin := filepath.Join(t.TempDir(), "autobahn")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/autobahn")
	build.Dir = ".." // the main module, with its own go.sum
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	srv := exec.CommandContext(ctx, bin, "serve", "--addr", "127.0.0.1:0")
	stdout, err := srv.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = srv.Process.Signal(os.Interrupt)
		_ = srv.Wait()
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`http://127\.0\.0\.1:\d+/`).FindString(line)
	if m == "" {
		t.Fatalf("no address in %q", line)
	}
	if dom, err := chromiumDOM(ctx, t, chromium, m, `<span id="result">PASS</span>`); err != nil {
		t.Fatalf("page did not report PASS (err %v):\n%s", err, dom)
	}
}

// chromiumDOM loads url in headless Chromium (up to three times) until the
// DOM it dumps contains want, and returns the last DOM.
func chromiumDOM(ctx context.Context, t *testing.T, chromium, url, want string) ([]byte, error) {
	profile := t.TempDir()
	var dom []byte
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		dom, err = exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu",
			"--disable-background-networking", "--no-first-run", "--disable-dev-shm-usage",
			"--user-data-dir="+profile, "--virtual-time-budget=10000", "--dump-dom", url).Output()
		if bytes.Contains(dom, []byte(want)) {
			return dom, nil
		}
	}
	if err == nil {
		err = fmt.Errorf("no %q in the page", want)
	}
	return dom, err
}
