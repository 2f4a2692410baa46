//go:build linux && !eventloop_goroutines

package eventloop

import (
	"context"
	"net/netip"
	"runtime"
	"testing"

	"golang.org/x/sys/unix"
)

// acceptCycler serves network on a loop whose handler does nothing and
// returns a function that connects one client with raw syscalls (which
// allocate nothing), waits for the loop to open the connection, closes the
// client and waits for the loop to close it. ok is false when the network
// is missing (no IPv6 loopback).
func acceptCycler(tb testing.TB, network, addr string) (cycle func(), ok bool) {
	tb.Helper()
	opened := make(chan struct{}, 1)
	closed := make(chan struct{}, 1)
	l, err := New(Config{Loops: 1}, &funcs{
		open:  func(c *Conn) { opened <- struct{}{} },
		close: func(c *Conn, err error) { closed <- struct{}{} },
	})
	if err != nil {
		tb.Fatal(err)
	}
	la, err := l.Listen(network, addr)
	if err != nil {
		_ = l.Shutdown(context.Background())
		if network == "tcp6" {
			return nil, false
		}
		tb.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- l.Run() }()
	tb.Cleanup(func() { _ = l.Shutdown(context.Background()); <-done })

	ap := netip.MustParseAddrPort(la.String())
	family := unix.AF_INET6
	var sa unix.Sockaddr = &unix.SockaddrInet6{Port: int(ap.Port()), Addr: ap.Addr().As16()}
	if ap.Addr().Is4() {
		family = unix.AF_INET
		sa = &unix.SockaddrInet4{Port: int(ap.Port()), Addr: ap.Addr().As4()}
	}
	return func() {
		fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			tb.Fatal(err)
		}
		if err := unix.Connect(fd, sa); err != nil {
			unix.Close(fd)
			tb.Fatal(err)
		}
		<-opened
		unix.Close(fd)
		<-closed
	}, true
}

// TestOpenAllocs: accepting a TCP connection and opening it on the loop
// allocates the Conn and nothing else (the addresses are read into the
// stack and kept as values), an IPv6 one also the record of its addresses.
// The process-wide malloc count over n connections is the loop's: the
// clients allocate nothing. Reading the addresses through unix.Getsockname
// and unix.Getpeername cost 4 allocations more per connection.
func TestOpenAllocs(t *testing.T) {
	for _, tc := range []struct {
		network, addr string
		maxPerConn    float64 // mallocs per accepted connection
	}{
		{"tcp4", "127.0.0.1:0", 1.5},
		{"tcp6", "[::1]:0", 2.5},
	} {
		t.Run(tc.network, func(t *testing.T) {
			cycle, ok := acceptCycler(t, tc.network, tc.addr)
			if !ok {
				t.Skip("no IPv6 loopback")
			}
			// Warm up: the connection table, the poller's buffers, the channels' waiters.
			for i := 0; i < 50; i++ {
				cycle()
			}
			const n = 200
			var ms0, ms1 runtime.MemStats
			runtime.ReadMemStats(&ms0)
			for i := 0; i < n; i++ {
				cycle()
			}
			runtime.ReadMemStats(&ms1)
			per := float64(ms1.Mallocs-ms0.Mallocs) / n
			t.Logf("%.2f allocations, %.0f B per accepted connection", per, float64(ms1.TotalAlloc-ms0.TotalAlloc)/n)
			if per > tc.maxPerConn {
				t.Errorf("%.2f allocations per accepted connection, want <= %.1f", per, tc.maxPerConn)
			}
		})
	}
}

// BenchmarkAcceptOpenClose: one IPv4 connection accepted, opened and
// closed on the loop per op (the client's connect and close included);
// the allocations are the loop's.
func BenchmarkAcceptOpenClose(b *testing.B) {
	cycle, _ := acceptCycler(b, "tcp4", "127.0.0.1:0")
	b.ReportAllocs()
	for b.Loop() {
		cycle()
	}
}
