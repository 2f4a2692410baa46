package interop

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

// TestChromiumServeWAMP loads the `autobahn serve` page with
// ?selftest=wamp in headless Chromium: the page's own JSON WAMP client
// joins realm1 on /ws, calls the demo procedures com.example.add2 and
// com.example.echo (cmd/autobahn/demo.go), subscribes to a topic and
// publishes to it (exclude_me false), and writes PASS into #wampresult only
// when the results and the event came back as sent.
func TestChromiumServeWAMP(t *testing.T) {
	chromium := need(t, "chromium")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	url := startServe(ctx, t)
	dom, err := chromiumDOM(ctx, t, chromium, url+"?selftest=wamp", `<span id="wampresult">PASS</span>`)
	if err != nil {
		t.Fatalf("page did not report PASS (err %v):\n%s", err, dom)
	}
	for _, want := range []string{"add2(2, 3) = 5", `echo ["κόσμε",42]`, `event ["ping"]`} {
		if !bytes.Contains(dom, []byte(want)) {
			t.Errorf("no %q in the page's WAMP log:\n%s", want, dom)
		}
	}
}

// startServe builds cmd/autobahn, runs `autobahn serve` on a free port
// until the test ends and returns the page's URL (http://127.0.0.1:PORT/).
func startServe(ctx context.Context, t *testing.T) string {
	t.Helper()
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
	t.Cleanup(func() {
		_ = srv.Process.Signal(os.Interrupt)
		_ = srv.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`http://127\.0\.0\.1:\d+/`).FindString(line)
	if m == "" {
		t.Fatalf("no address in %q", line)
	}
	return m
}
