//go:build linux

package prefork_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/prefork"
)

// envReviewParent makes this test binary a supervising parent (below).
const envReviewParent = "REVIEW_PREFORK_PARENT_ADDR"

func init() {
	addr, ok := os.LookupEnv(envReviewParent)
	if !ok {
		return
	}
	if _, child := prefork.Child(); child {
		return // the children run childMain (TestMain)
	}
	_ = os.Unsetenv(envReviewParent)
	err := prefork.Run(context.Background(), prefork.Options{
		Procs: 2, Args: []string{"serve", addr},
		Ready: func(pids []int) {
			fmt.Printf("%d %d\n", pids[0], pids[1])
		},
	})
	fmt.Fprintln(os.Stderr, "parent:", err)
	os.Exit(1)
}

// gone reports whether pid has exited (no such process, or a zombie
// nobody reaped).
func gone(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] == 'Z' || s[i+2] == 'X'
}

// TestReviewParentKilled: a parent killed with SIGKILL (it can forward
// nothing) leaves no child serving: each gets SIGTERM (PDEATHSIG) and
// ends.
func TestReviewParentKilled(t *testing.T) {
	addr, release := reserve(t)
	defer release()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envReviewParent+"="+addr)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	lines := make(chan string, 1)
	go func() {
		l, _ := bufio.NewReader(out).ReadString('\n')
		lines <- l
	}()
	var a, b int
	select {
	case l := <-lines:
		if _, err := fmt.Sscanf(l, "%d %d", &a, &b); err != nil {
			t.Fatalf("parent printed %q: %v", l, err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the children never became ready")
	}
	defer func() {
		_ = syscall.Kill(a, syscall.SIGKILL)
		_ = syscall.Kill(b, syscall.SIGKILL)
	}()
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	deadline := time.Now().Add(10 * time.Second)
	for !gone(a) || !gone(b) {
		if time.Now().After(deadline) {
			t.Fatalf("children %d (gone %v) and %d (gone %v) outlived their parent by 10 s", a, gone(a), b, gone(b))
		}
		time.Sleep(10 * time.Millisecond)
	}
}
