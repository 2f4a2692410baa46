//go:build linux && !eventloop_goroutines

package eventloop

import (
	"context"
	"net"
	"testing"
)

// TestAddrsIPv6: IPv6 addresses, which do not fit the connection's inline IPv4 fields, come back
// whole from LocalAddr and RemoteAddr, also after the close.
func TestAddrsIPv6(t *testing.T) {
	opened := make(chan *Conn, 1)
	closed := make(chan struct{}, 1)
	l, err := New(Config{Loops: 1}, &funcs{
		open:  func(c *Conn) { opened <- c },
		close: func(c *Conn, err error) { closed <- struct{}{} },
	})
	if err != nil {
		t.Fatal(err)
	}
	addr, err := l.Listen("tcp6", "[::1]:0")
	if err != nil {
		_ = l.Shutdown(context.Background())
		t.Skipf("no IPv6 loopback: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- l.Run() }()
	defer func() { _ = l.Shutdown(context.Background()); <-done }()
	cl := dialStd(t, addr.String())
	sc := <-opened
	wantL, wantR := cl.RemoteAddr().String(), cl.LocalAddr().String()
	for _, check := range []func(){nil, func() { cl.Close(); <-closed }} {
		if check != nil {
			check()
		}
		if a, ok := sc.LocalAddr().(*net.TCPAddr); !ok || a.String() != wantL || a.IP.To4() != nil {
			t.Errorf("LocalAddr = %v, want %s", sc.LocalAddr(), wantL)
		}
		if a, ok := sc.RemoteAddr().(*net.TCPAddr); !ok || a.String() != wantR || a.IP.To4() != nil {
			t.Errorf("RemoteAddr = %v, want %s", sc.RemoteAddr(), wantR)
		}
	}
}
