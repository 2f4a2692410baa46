package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/examples/internal/exampletest"
	"github.com/autobahn-go/autobahn/internal/leakcheck"
	"github.com/autobahn-go/autobahn/ws"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// start runs the example on a free port until the test ends and returns
// the page's URL.
func start(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := exampletest.NewOutput()
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"-addr", "127.0.0.1:0"}, out) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("run did not return after ctx ended")
		}
	})
	return strings.TrimPrefix(out.WaitLine(t, "page on "), "page on ")
}

// The example serves its embedded page at / and echoes text and binary
// messages at /ws, the endpoint the page's script opens.
func TestBrowserPageServes(t *testing.T) {
	url := start(t)
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Errorf("GET /: %s, Content-Type %q", resp.Status, resp.Header.Get("Content-Type"))
	}
	if !bytes.Equal(body, page) || !bytes.Contains(body, []byte(`"/ws"`)) {
		t.Errorf("GET / did not return the embedded page with its /ws endpoint:\n%s", body)
	}
	if resp, err := http.Get(url + "nothing"); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /nothing: %v %v, want 404", resp.Status, err)
	} else {
		resp.Body.Close()
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := ws.Dial(ctx, "ws"+strings.TrimPrefix(url, "http")+"ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ws.StatusNormalClosure, "")
	for _, m := range []struct {
		op ws.Opcode
		p  []byte
	}{{ws.OpText, []byte("κόσμε")}, {ws.OpBinary, []byte{0, 1, 254, 255}}} {
		if err := c.WriteMessage(ctx, m.op, m.p); err != nil {
			t.Fatal(err)
		}
		op, p, err := c.ReadMessage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if op != m.op || !bytes.Equal(p, m.p) {
			t.Errorf("echo: %v %q, want %v %q", op, p, m.op, m.p)
		}
	}
}

// TestBrowserPageChromium loads the page with ?selftest=1 in headless
// Chromium: the page's script echoes a text and a binary message through
// the browser's WebSocket and writes PASS into #result only when both came
// back unchanged. Without chromium the test is skipped, unless
// INTEROP_REQUIRE=1 (scripts/interop.sh, run by make test, sets it and
// installs chromium).
func TestBrowserPageChromium(t *testing.T) {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("INTEROP_REQUIRE") == "1" {
			t.Fatalf("chromium missing (%v): run scripts/interop.sh", err)
		}
		t.Skipf("chromium missing (%v); scripts/interop.sh installs it", err)
	}
	url := start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	const want = `<span id="result">PASS</span>`
	var dom []byte
	for attempt := 0; attempt < 3 && !bytes.Contains(dom, []byte(want)); attempt++ {
		cmd := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu",
			"--disable-background-networking", "--no-first-run", "--disable-dev-shm-usage",
			"--user-data-dir="+t.TempDir(), "--virtual-time-budget=10000", "--dump-dom", url+"?selftest=1")
		dom, err = cmd.Output()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			err = fmt.Errorf("%w: %s", err, ee.Stderr)
		}
	}
	if !bytes.Contains(dom, []byte(want)) {
		t.Fatalf("page did not report PASS (chromium: %v):\n%s", err, dom)
	}
	for _, line := range []string{"echo text:κόσμε 🚀", "echo binary:0,1,2,254,255"} {
		if !bytes.Contains(dom, []byte(line)) {
			t.Errorf("no %q in the page's log:\n%s", line, dom)
		}
	}
}
