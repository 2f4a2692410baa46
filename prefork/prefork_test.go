//go:build linux

package prefork_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/prefork"
)

func reserve(t *testing.T) (string, func()) {
	t.Helper()
	addr, hold, err := prefork.Reserve("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return addr.String(), func() { _ = hold.Close() }
}

// Two children share one port; the kernel spreads connections over both;
// a child killed with SIGKILL is replaced; cancelling stops them all with
// status 0 and Run returns nil.
func TestRunSharesPortAndRestarts(t *testing.T) {
	addr, release := reserve(t)
	defer release()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan []int, 1)
	errc := make(chan error, 1)
	go func() {
		errc <- prefork.Run(ctx, prefork.Options{
			Procs: 2, Args: []string{"serve", addr},
			Ready:          func(pids []int) { ready <- pids },
			RestartBackoff: 10 * time.Millisecond,
		})
	}()
	var pids []int
	select {
	case pids = <-ready:
	case err := <-errc:
		t.Fatalf("Run: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("the children never became ready")
	}
	if len(pids) != 2 || pids[0] == pids[1] {
		t.Fatalf("pids %v", pids)
	}
	seen := map[int]bool{}
	for i := 0; i < 500 && len(seen) < 2; i++ {
		pid, err := whoAnswers(addr)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(pids, pid) {
			t.Fatalf("answered by pid %d, not a child %v", pid, pids)
		}
		seen[pid] = true
	}
	if len(seen) != 2 {
		t.Fatalf("500 connections all went to %v", seen)
	}

	if err := syscall.Kill(pids[0], syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// Poll until a new child answers; meanwhile the other one serves (a
	// refused connection can only come from the killed one's socket).
	deadline := time.Now().Add(20 * time.Second)
	var fresh int
	for fresh == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no child replaced the killed one")
		}
		pid, err := whoAnswers(addr)
		if err == nil && !slices.Contains(pids, pid) {
			fresh = pid
		}
	}

	cancel()
	select {
	case err := <-errc:
		if err != nil {
			t.Fatalf("Run after a clean shutdown: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not return")
	}
	for _, pid := range []int{pids[1], fresh} {
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("child %d still exists after Run: %v", pid, err)
		}
	}
}

// A child that keeps dying makes Run give up within the restart bound.
func TestRunTooManyRestarts(t *testing.T) {
	err := prefork.Run(context.Background(), prefork.Options{
		Procs: 2, Args: []string{"crash"},
		RestartBackoff: time.Millisecond, MaxRestartBackoff: 5 * time.Millisecond, MaxRestartsPerMinute: 3,
	})
	if !errors.Is(err, prefork.ErrTooManyRestarts) || !strings.Contains(err.Error(), "exit status 3") {
		t.Fatalf("Run: %v, want ErrTooManyRestarts with the exit status", err)
	}
}

// A child that ignores SIGTERM is killed after ShutdownTimeout, and Run
// reports it.
func TestRunKillsStragglers(t *testing.T) {
	addr, release := reserve(t)
	defer release()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := make(chan error, 1)
	go func() {
		errc <- prefork.Run(ctx, prefork.Options{
			Procs: 1, Args: []string{"stubborn", addr},
			Ready:           func([]int) { cancel() },
			ShutdownTimeout: 100 * time.Millisecond,
		})
	}()
	select {
	case err := <-errc:
		if err == nil || !strings.Contains(err.Error(), "killed") {
			t.Fatalf("Run: %v, want the child killed", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not return")
	}
}

func TestRunStartFails(t *testing.T) {
	err := prefork.Run(context.Background(), prefork.Options{Procs: 2, Path: "/nonexistent/autobahn"})
	if err == nil || !strings.Contains(err.Error(), "starting child 0") {
		t.Fatalf("Run: %v", err)
	}
}

// Outside a child, Child says so and Ready does nothing.
func TestNotAChild(t *testing.T) {
	if i, ok := prefork.Child(); ok || i != -1 {
		t.Fatalf("Child() = %d, %v", i, ok)
	}
	if err := prefork.Ready(); err != nil {
		t.Fatal(err)
	}
}

// Reserve holds the port: a listener without SO_REUSEPORT cannot take it,
// one with it (a child's) can.
func TestReserveHoldsPort(t *testing.T) {
	addr, release := reserve(t)
	defer release()
	if ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", addr); err == nil {
		ln.Close()
		t.Fatal("a plain listener took a reserved port")
	}
	ln, err := prefork.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
}

// whoAnswers dials addr and returns the pid of the child that answered.
func whoAnswers(addr string) (int, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	var pid int
	_, err = fmt.Fscan(c, &pid)
	return pid, err
}
