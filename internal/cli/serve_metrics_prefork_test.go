//go:build linux

package cli

import (
	"slices"
	"strconv"
	"strings"
	"testing"
)

// serve --procs 2 --driver loop --metrics-addr: the parent reserves the
// metrics port and lists it; both children serve /healthz and /metrics
// on it (SO_REUSEPORT).
func TestServePreforkMetricsAddr(t *testing.T) {
	lines, stop := startServe(t, 4, "--procs", "2", "--driver", "loop", "--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0")
	all := strings.Join(lines, "")
	maddr := find(t, `metrics on http://(127\.0\.0\.1:\d+)/metrics`, all)
	var pids []int
	for _, p := range strings.Fields(find(t, `2 processes share these ports \(SO_REUSEPORT\), pids ([\d ]+);`, all)) {
		n, _ := strconv.Atoi(p)
		pids = append(pids, n)
	}
	seen := map[int]bool{}
	for i := 0; i < 200 && len(seen) < 2; i++ {
		pid, err := healthPid(maddr) // serve_prefork_test.go
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(pids, pid) {
			t.Fatalf("/healthz from pid %d, not a child %v", pid, pids)
		}
		seen[pid] = true
	}
	if len(seen) != 2 {
		t.Fatalf("200 requests all went to %v", seen)
	}
	if v, ok := scrape(t, maddr)["websocket_connections_active"]; !ok || v != 0 {
		t.Fatalf("a fresh child's websocket_connections_active: %v (present %v)", v, ok)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}
