// Package leakcheck fails a test binary that leaks goroutines or file
// descriptors. Use it from TestMain:
//
//	func TestMain(m *testing.M) { leakcheck.Main(m) }
package leakcheck

import (
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"
)

// Main runs the tests and then checks that the goroutines and open file
// descriptors are back to what they were before (allowing a few seconds for
// goroutines to finish exiting). It calls os.Exit.
func Main(m *testing.M) {
	g0, fd0 := len(goroutines()), openFDs()
	code := m.Run()
	if code == 0 {
		if err := settle(g0, fd0, 5*time.Second); err != nil {
			fmt.Fprintln(os.Stderr, "leakcheck:", err)
			code = 1
		}
	}
	os.Exit(code)
}

func settle(g0 int, fd0 map[string]string, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	for {
		gs, leaked := goroutines(), newFDs(fd0, openFDs())
		if len(gs) <= g0 && len(leaked) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("goroutines %d -> %d; new open fds: %s\n%s", g0, len(gs), strings.Join(leaked, " "), strings.Join(gs, "\n\n"))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// openFDs maps this process's open file descriptors to what they point to
// (empty where the system does not tell).
func openFDs() map[string]string {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return nil
	}
	fds := map[string]string{}
	for _, e := range ents {
		target, _ := os.Readlink("/proc/self/fd/" + e.Name())
		fds[e.Name()] = target
	}
	return fds
}

// newFDs lists the descriptors open now that were not open before, leaving
// out the runtime's own (its network poller and the cgroup files it reads to
// size GOMAXPROCS, both opened lazily) and the directory being listed.
func newFDs(before, now map[string]string) []string {
	var out []string
	for fd, target := range now {
		if old, ok := before[fd]; (ok && old == target) || target == "" ||
			strings.HasPrefix(target, "anon_inode:[eventpoll]") ||
			strings.HasPrefix(target, "anon_inode:[eventfd]") ||
			strings.HasPrefix(target, "/sys/fs/cgroup/") ||
			strings.HasPrefix(target, "/proc/") {
			continue
		}
		out = append(out, fd+"="+target)
	}
	sort.Strings(out)
	return out
}

// goroutines returns the stacks of the goroutines that count: all but the
// one asking and those the runtime or the testing package keep for the life
// of the process (the signal loop that fuzzing and signal.Notify start).
func goroutines() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "leakcheck.goroutines") || strings.Contains(g, "os/signal.loop") {
			continue
		}
		out = append(out, g)
	}
	return out
}
