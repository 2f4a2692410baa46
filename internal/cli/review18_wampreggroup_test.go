//go:build linux

package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// When register ends (Ctrl-C) while its command answers a call, the
// processes the command started end too: a script's commands that the
// shell does not exec (here a background sleep the script waits for)
// outlived autobahn, holding the command's output open, and register
// waited for them 5 s before it gave up (TestReview14cWAMPRegisterEndsItsCommand
// covers a command that execs).
func TestReview18WAMPRegisterEndsCommandChildren(t *testing.T) {
	url := wampRouterURL(t) // wamp_test.go
	pidFile := filepath.Join(t.TempDir(), "pid")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	regErr := &wampOut{}
	regDone := make(chan error, 1)
	go func() {
		regDone <- run(ctx, []string{"wamp", "register", url, "com.t.script", "--",
			"sh", "-c", `sleep 60 & echo $! > "$0.tmp" && mv "$0.tmp" "$0"; wait`, pidFile}, &wampOut{}, regErr)
	}()
	regErr.wait(t, "registered com.t.script")
	callDone := make(chan error, 1)
	go func() {
		callDone <- run(context.Background(), []string{"wamp", "call", url, "com.t.script"}, &wampOut{}, &wampOut{})
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
	// Should the test fail, the sleep does not outlive it.
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) })
	cancel() // Ctrl-C
	if err := <-regDone; err != nil {
		t.Errorf("register: %v", err)
	}
	// The sleep's parent (the shell) is gone: whoever reaps orphans reaps
	// it, maybe later; a zombie is dead.
	deadline = time.Now().Add(10 * time.Second)
	for !deadProcess(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("the command's child (pid %d) outlived register", pid)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := <-callDone; err == nil {
		t.Error("the call whose callee left: no error")
	}
}

// deadProcess reports whether pid is gone or a zombie.
func deadProcess(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	// pid (comm) state ...: comm may hold spaces and parentheses.
	i := bytes.LastIndexByte(b, ')')
	return i >= 0 && i+2 < len(b) && b[i+2] == 'Z'
}
