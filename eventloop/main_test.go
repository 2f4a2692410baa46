//go:build linux

package eventloop

import (
	"fmt"
	"net"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// childEnv names the helper a re-executed test binary runs instead of the tests (see children).
const childEnv = "EVENTLOOP_TEST_CHILD"

func TestMain(m *testing.M) {
	if name := os.Getenv(childEnv); name != "" {
		fn, ok := children[name]
		if !ok {
			fmt.Fprintln(os.Stderr, "unknown child", name)
			os.Exit(2)
		}
		os.Exit(fn())
	}
	// Start the runtime's own poller first, so its fds do not count as a leak.
	if ln, err := net.Listen("tcp", "127.0.0.1:0"); err == nil {
		ln.Close()
	}
	fds, gs := countFds(), runtime.NumGoroutine()
	code := m.Run()
	if code == 0 {
		if err := checkLeaks(fds, gs); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	os.Exit(code)
}

func countFds() int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(ents)
}

// checkLeaks waits briefly for goroutines and fds to come back to their count before the tests.
func checkLeaks(fds, gs int) error {
	deadline := time.Now().Add(3 * time.Second)
	for {
		f, g := countFds(), runtime.NumGoroutine()
		if f <= fds && g <= gs {
			return nil
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			var b strings.Builder
			fmt.Fprintf(&b, "leak: fds %d -> %d, goroutines %d -> %d\n", fds, f, gs, g)
			if f > fds {
				ents, _ := os.ReadDir("/proc/self/fd")
				for _, e := range ents {
					target, _ := os.Readlink("/proc/self/fd/" + e.Name())
					fmt.Fprintf(&b, "  fd %s -> %s\n", e.Name(), target)
				}
			}
			b.Write(buf)
			return fmt.Errorf("%s", b.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
