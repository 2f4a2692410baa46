//go:build linux

package prefork

import (
	"context"
	"log/slog"
	"testing"
	"time"
)

// countExits is a slog handler that counts the "child exited" records.
type countExits chan struct{}

func (h countExits) Enabled(context.Context, slog.Level) bool { return true }
func (h countExits) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "prefork: child exited" {
		select {
		case h <- struct{}{}:
		default:
		}
	}
	return nil
}
func (h countExits) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h countExits) WithGroup(string) slog.Handler      { return h }

// With no restart bound a child that keeps dying is restarted for ever:
// the supervisor keeps a timer per pending restart (at most one per
// child), not one per restart since it began.
func TestReview18RestartTimersBounded(t *testing.T) {
	exits := make(countExits, 64)
	s := &supervisor{
		o: Options{Procs: 1, Path: "/bin/sh", Args: []string{"-c", "exit 3"},
			RestartBackoff: time.Millisecond, MaxRestartBackoff: time.Millisecond,
			MaxRestartsPerMinute: -1, Logger: slog.New(exits)}.withDefaults(),
	}
	s.kids, s.events, s.restart = make([]*kid, 1), make(chan event, 2), make(chan int, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- s.run(ctx) }()
	const restarts = 8
	for range restarts {
		select {
		case <-exits:
		case err := <-errc:
			t.Fatalf("run: %v", err)
		case <-time.After(10 * time.Second):
			t.Fatal("the child was not restarted")
		}
	}
	cancel()
	select {
	case <-errc:
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return")
	}
	if n := len(s.timers); n > s.o.Procs {
		t.Fatalf("%d timers kept after %d restarts of 1 child", n, restarts)
	}
}
