//go:build linux

package eventloop

import (
	"context"
	"net"
	"strconv"
	"testing"
	"time"
)

// TestListenFamiliesAsNet: Listen takes its network and address as net.Listen does. "tcp" with a
// wildcard host (none, 0.0.0.0 or ::) listens dual-stack, so IPv6 clients ([::1]) come in too; the
// epoll loop listened on IPv4 alone for ":port". "tcp4" and "tcp6" keep to their family: "tcp6"
// with no host takes IPv6 clients only, and an address of the other family is refused. The test
// compares, case by case, whether Listen fails and which loopback clients it accepts with what a
// net.Listen of the same arguments does.
func TestListenFamiliesAsNet(t *testing.T) {
	if ln, err := net.Listen("tcp6", "[::1]:0"); err != nil {
		t.Skipf("no IPv6 loopback on this machine (%v): nothing to compare", err)
	} else {
		ln.Close()
	}
	l, err := New(Config{Loops: 2}, &funcs{})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- l.Run() }()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := l.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		<-done
	}()

	// reach reports which of the IPv4 and the IPv6 loopback reach an echo on port.
	reach := func(port int) (v4, v6 bool) {
		try := func(host string) bool {
			c, err := net.DialTimeout("tcp", net.JoinHostPort(host, strconv.Itoa(port)), 5*time.Second)
			if err != nil {
				return false
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(5 * time.Second))
			if _, err := c.Write([]byte("ping")); err != nil {
				return false
			}
			var b [4]byte
			_, err = c.Read(b[:])
			return err == nil
		}
		return try("127.0.0.1"), try("::1")
	}
	for _, tc := range []struct{ network, addr string }{
		{"tcp", ":0"},
		{"tcp", "0.0.0.0:0"},
		{"tcp", "[::]:0"},
		{"tcp", "127.0.0.1:0"},
		{"tcp", "[::1]:0"},
		{"tcp4", ":0"},
		{"tcp4", "0.0.0.0:0"},
		{"tcp4", "[::1]:0"},
		{"tcp4", "[::ffff:127.0.0.1]:0"},
		{"tcp6", ":0"},
		{"tcp6", "[::]:0"},
		{"tcp6", "127.0.0.1:0"},
		{"tcp6", "[::ffff:127.0.0.1]:0"},
	} {
		// net.Listen first, to learn what to expect (the port it got is closed before ours).
		var want4, want6 bool
		nln, nerr := net.Listen(tc.network, tc.addr)
		if nerr == nil {
			port := nln.Addr().(*net.TCPAddr).Port
			go func() {
				for {
					c, err := nln.Accept()
					if err != nil {
						return
					}
					go func() {
						defer c.Close()
						b := make([]byte, 4)
						if n, err := c.Read(b); err == nil {
							c.Write(b[:n])
						}
					}()
				}
			}()
			want4, want6 = reach(port)
			nln.Close()
		}
		addr, err := l.Listen(tc.network, tc.addr)
		if (err != nil) != (nerr != nil) {
			t.Errorf("Listen(%q, %q): %v; net.Listen: %v", tc.network, tc.addr, err, nerr)
			continue
		}
		if err != nil {
			continue
		}
		got4, got6 := reach(addr.(*net.TCPAddr).Port)
		if got4 != want4 || got6 != want6 {
			t.Errorf("Listen(%q, %q) on %v: IPv4 client accepted %v, IPv6 client %v; net.Listen: %v, %v",
				tc.network, tc.addr, addr, got4, got6, want4, want6)
		}
	}
}
