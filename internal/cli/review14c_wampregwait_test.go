package cli

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
)

// When register ends (Ctrl-C, SIGTERM) while its command answers a call,
// the command is killed and reaped before register returns: it does not
// go on running after autobahn has exited. (Without the wait, whether it
// is gone yet is a race it loses about half the time: 10 rounds.)
func TestReview14cWAMPRegisterEndsItsCommand(t *testing.T) {
	url := wampRouterURL(t)
	for i := range 10 {
		registerEndsCommand(t, url, filepath.Join(t.TempDir(), "pid"), wamp.URI("com.t.slow"+strconv.Itoa(i)))
	}
}

func registerEndsCommand(t *testing.T, url, pidFile string, proc wamp.URI) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	regErr := &wampOut{}
	regDone := make(chan error, 1)
	go func() {
		regDone <- run(ctx, []string{"wamp", "register", url, string(proc), "--",
			"sh", "-c", `echo $$ > "$0.tmp" && mv "$0.tmp" "$0" && exec sleep 60`, pidFile}, &wampOut{}, regErr)
	}()
	regErr.wait(t, "registered "+string(proc))

	callDone := make(chan error, 1)
	go func() {
		callDone <- run(context.Background(), []string{"wamp", "call", url, string(proc)}, &wampOut{}, &wampOut{})
	}()
	var pid int
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, err := os.ReadFile(pidFile)
		if err == nil {
			if pid, err = strconv.Atoi(strings.TrimSpace(string(b))); err != nil {
				t.Fatal(err)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the command did not start")
		}
		time.Sleep(2 * time.Millisecond)
	}
	cancel() // Ctrl-C
	if err := <-regDone; err != nil {
		t.Errorf("register: %v", err)
	}
	// Signal 0 reaches a running process and a zombie alike: ESRCH only
	// once the command is dead and reaped.
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("the command (pid %d) outlived register: kill 0: %v", pid, err)
	}
	if err := <-callDone; err == nil {
		t.Error("the call whose callee left: no error")
	}
}
