package cli

import (
	"bufio"
	"context"
	"io"
	"net"
	"regexp"
	"testing"
	"time"
)

// TestServeShutdownBounded: with a peer that never answers the close frame
// on each listener (--driver std's net/http and --loop-addr's loop),
// stopping serve takes one close timeout (5 s), not one
// per listener, and ends cleanly (nil: exit status 0).
func TestServeShutdownBounded(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	errc := make(chan error, 1)
	go func() {
		errc <- run(ctx, []string{"serve", "--driver", "std", "--addr", "127.0.0.1:0", "--loop-addr", "127.0.0.1:0"}, pw, io.Discard)
		pw.Close()
	}()
	br := bufio.NewReader(pr)
	var addrs []string
	for _, re := range []string{`http://(127\.0\.0\.1:\d+)/`, `event-loop WebSocket echo on ws://(127\.0\.0\.1:\d+)/`} {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		m := regexp.MustCompile(re).FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("no address in %q", line)
		}
		addrs = append(addrs, m[1])
	}
	go func() { _, _ = io.Copy(io.Discard, br) }()
	for i, addr := range addrs {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		target := []string{"/echo", "/"}[i]
		req := "GET " + target + " HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
		if _, err := nc.Write([]byte(req)); err != nil {
			t.Fatal(err)
		}
		_ = nc.SetReadDeadline(time.Now().Add(5 * time.Second))
		r := bufio.NewReader(nc)
		status, err := r.ReadString('\n')
		if err != nil || status[:12] != "HTTP/1.1 101" {
			t.Fatalf("%s: %q %v", addr, status, err)
		}
		// From here on the peer reads and answers nothing.
	}
	start := time.Now()
	cancel()
	select {
	case err := <-errc:
		took := time.Since(start)
		t.Logf("serve stopped in %v", took)
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
		if took > 7*time.Second {
			t.Fatalf("serve took %v to stop", took)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop")
	}
}
