//go:build linux

package prefork_test

import (
	"bytes"
	"context"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/prefork"
)

// lockedBuffer is an io.Writer safe from the children's output copier and
// the test at once.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// exitLog is a slog handler that tells each "child exited" record.
type exitLog struct{ exits chan<- struct{} }

func (h exitLog) Enabled(context.Context, slog.Level) bool { return true }
func (h exitLog) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "prefork: child exited" {
		select {
		case h.exits <- struct{}{}:
		default:
		}
	}
	return nil
}
func (h exitLog) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h exitLog) WithGroup(string) slog.Handler      { return h }

// A child that dies leaving a process of its own behind is still seen to
// die, and restarted; Run returns when cancelled. The helper holds the
// readiness pipe (it inherited it before Ready), or also the pipe of the
// child's output when Options.Stdout is no file. Before, Run waited for
// the ends of those pipes, so it neither restarted the child nor returned
// until the helper exited.
func TestReview18ChildExitSeenDespiteHeir(t *testing.T) {
	for _, tc := range []struct{ name, script string }{
		// The helper keeps the inherited descriptors but stdio.
		{"ready pipe", "sleep 60 </dev/null >/dev/null 2>&1 & echo $!; exit 3"},
		// The helper keeps the output too.
		{"output", "sleep 60 </dev/null 2>/dev/null & echo $!; exit 3"},
	} {
		t.Run(tc.name, func(t *testing.T) { testExitSeenDespiteHeir(t, tc.script) })
	}
}

func testExitSeenDespiteHeir(t *testing.T, script string) {
	out := &lockedBuffer{}
	exits := make(chan struct{}, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := make(chan error, 1)
	go func() {
		errc <- prefork.Run(ctx, prefork.Options{
			Procs: 1, Path: "/bin/sh", Args: []string{"-c", script},
			Stdout:               out,
			RestartBackoff:       time.Hour,
			MaxRestartBackoff:    time.Hour,
			MaxRestartsPerMinute: -1,
			Logger:               slog.New(exitLog{exits}),
		})
	}()
	defer func() {
		for _, f := range strings.Fields(out.String()) {
			if pid, err := strconv.Atoi(f); err == nil && pid > 1 {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	}()
	select {
	case <-exits:
	case err := <-errc:
		t.Fatalf("Run: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the child's exit was not seen while its helper lives")
	}
	cancel()
	select {
	case err := <-errc:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return")
	}
}

// A child that stops cleanly (status 0) while a process it started still
// holds its output leaves Run's result clean: the bounded wait for that
// output (exec.Cmd.WaitDelay) is no failure of the child.
func TestReview18CleanStopDespiteHeldOutput(t *testing.T) {
	out := &lockedBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := make(chan error, 1)
	go func() {
		errc <- prefork.Run(ctx, prefork.Options{
			Procs: 1, Path: "/bin/sh",
			Args:   []string{"-c", "trap 'exit 0' TERM; sleep 60 </dev/null 2>/dev/null & echo $!; while :; do sleep 0.05 >/dev/null; done"},
			Stdout: out,
		})
	}()
	defer func() {
		for _, f := range strings.Fields(out.String()) {
			if pid, err := strconv.Atoi(f); err == nil && pid > 1 {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	}()
	for deadline := time.Now().Add(10 * time.Second); strings.TrimSpace(out.String()) == ""; {
		if time.Now().After(deadline) {
			t.Fatal("the child never started its helper")
		}
		time.Sleep(5 * time.Millisecond) // polled with a deadline
	}
	cancel()
	select {
	case err := <-errc:
		if err != nil {
			t.Fatalf("Run after a clean stop: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return")
	}
}
