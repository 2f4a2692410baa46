package interop

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
)

// TestChromiumServeWAMP loads the `autobahn serve` page with
// ?selftest=wamp in headless Chromium: the page's own JSON WAMP client
// joins realm1 on /ws, calls the demo procedures com.example.add2 and
// com.example.echo (internal/cli/demo.go), subscribes to a topic and
// publishes to it (exclude_me false), then publishes its outcome (PASS only
// when the results and the event came back as sent) and its log to
// com.example.selftest.result. The test waits for that event with our own
// WAMP client, with a deadline, while Chromium runs in real time (a
// --dump-dom under a virtual time budget could end before the browser's
// network round trips did).
func TestChromiumServeWAMP(t *testing.T) {
	chromium := need(t, "chromium")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	url := startServe(ctx, t)
	watcher, err := client.Connect(ctx, "ws"+strings.TrimPrefix(url, "http")+"ws", "realm1", client.ConnectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer watcher.Close()
	results := make(chan wamp.List, 1)
	if _, err := watcher.Subscribe(ctx, "com.example.selftest.result", func(ev *wamp.Event) {
		select {
		case results <- ev.Args:
		default:
		}
	}, nil); err != nil {
		t.Fatal(err)
	}
	browser := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu",
		"--disable-background-networking", "--no-first-run", "--disable-dev-shm-usage",
		"--user-data-dir="+t.TempDir(), "--remote-debugging-port=0", url+"?selftest=wamp")
	browser.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // its helpers go with it
	browser.Cancel = func() error { return syscall.Kill(-browser.Process.Pid, syscall.SIGKILL) }
	if err := browser.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = syscall.Kill(-browser.Process.Pid, syscall.SIGKILL)
		_ = browser.Wait()
	}()
	var res wamp.List
	select {
	case res = <-results:
	case <-ctx.Done():
		t.Fatal("the page published no self-test result")
	}
	if len(res) != 2 {
		t.Fatalf("self-test result %v", res)
	}
	outcome, _ := res[0].(string)
	log, _ := res[1].(string)
	if outcome != "PASS" {
		t.Fatalf("self-test: %q, log:\n%s", outcome, log)
	}
	for _, want := range []string{"add2(2, 3) = 5", `echo ["κόσμε",42]`, `event ["ping"]`} {
		if !strings.Contains(log, want) {
			t.Errorf("no %q in the page's WAMP log:\n%s", want, log)
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
