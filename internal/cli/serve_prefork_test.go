//go:build linux

package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/ws"
)

// healthPid asks /healthz which process answers (a new connection each
// time, so the kernel picks among the children).
func healthPid(addr string) (int, error) {
	tr := &http.Transport{DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr, Timeout: 5 * time.Second}).Get("http://" + addr + "/healthz")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var h struct{ Pid int }
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil {
		return 0, err
	}
	return h.Pid, nil
}

// serve --procs 2 --driver std: two children of this one share the HTTP
// and the event-loop ports; a child killed with SIGKILL is replaced;
// stopping the parent stops them all, every WebSocket gets 1001, and
// serve returns nil (exit status 0). The children are this test binary (see TestMain).
func TestServePrefork(t *testing.T) {
	lines, stop := startServe(t, 4, "--procs", "2", "--driver", "std", "--addr", "127.0.0.1:0", "--loop-addr", "127.0.0.1:0")
	all := strings.Join(lines, "")
	addr := find(t, `http://(127\.0\.0\.1:\d+)/`, lines[0])
	loopAddr := find(t, `event-loop WebSocket echo on ws://(127\.0\.0\.1:\d+)/`, lines[1])
	find(t, `(one router per process)`, lines[2])
	var pids []int
	for _, p := range strings.Fields(find(t, `2 processes share these ports \(SO_REUSEPORT\), pids ([\d ]+);`, all)) {
		n, _ := strconv.Atoi(p)
		pids = append(pids, n)
	}
	if len(pids) != 2 {
		t.Fatalf("pids %v", pids)
	}

	seen := map[int]bool{}
	for i := 0; i < 200 && len(seen) < 2; i++ {
		pid, err := healthPid(addr)
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

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := syscall.Kill(pids[0], syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	fresh := 0
	for fresh == 0 {
		if pid, err := healthPid(addr); err == nil && !slices.Contains(pids, pid) {
			fresh = pid
		}
		select {
		case <-ctx.Done():
			t.Fatal("no child replaced the killed one")
		case <-time.After(20 * time.Millisecond):
		}
	}

	var conns []*ws.Conn
	for i := range 8 {
		u := "ws://" + addr + "/echo"
		if i%2 == 1 {
			u = "ws://" + loopAddr + "/"
		}
		c, err := ws.Dial(ctx, u, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.CloseNow()
		echoOnce(t, ctx, c, fmt.Sprint("message ", i))
		conns = append(conns, c)
	}
	var closed []<-chan error
	for _, c := range conns {
		closed = append(closed, goingAway(ctx, c))
	}
	if err := stop(); err != nil {
		t.Fatalf("serve --procs after a clean stop: %v", err)
	}
	for _, done := range closed {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	for _, pid := range []int{pids[1], fresh} {
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("child %d outlived serve: %v", pid, err)
		}
	}
}
