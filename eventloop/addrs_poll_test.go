//go:build linux && !eventloop_goroutines

package eventloop

import (
	"context"
	"net"
	"net/netip"
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

// TestAddrsFamilies: the addresses read when a connection opens (the peer's from accept, the local
// one from getsockname, both from getpeername and getsockname for a dialed connection) come back
// from LocalAddr and RemoteAddr for IPv4, IPv4 mapped to IPv6 (a dual-stack listener), a dialed
// connection and a unix socket.
func TestAddrsFamilies(t *testing.T) {
	opened := make(chan *Conn, 1)
	l, err := New(Config{Loops: 1}, &funcs{open: func(c *Conn) { opened <- c }})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- l.Run() }()
	defer func() { _ = l.Shutdown(context.Background()); <-done }()

	check := func(what string, sc *Conn, wantL, wantR netip.AddrPort) {
		t.Helper()
		for _, a := range []struct {
			name string
			got  net.Addr
			want netip.AddrPort
		}{{"LocalAddr", sc.LocalAddr(), wantL}, {"RemoteAddr", sc.RemoteAddr(), wantR}} {
			ta, ok := a.got.(*net.TCPAddr)
			if !ok || ta.AddrPort() != a.want {
				t.Errorf("%s: %s = %v, want %v", what, a.name, a.got, a.want)
			}
		}
	}
	mapped := func(ap netip.AddrPort) netip.AddrPort {
		return netip.AddrPortFrom(netip.AddrFrom16(ap.Addr().As16()), ap.Port())
	}

	// IPv4: plain 4-byte addresses.
	addr, err := l.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cl := dialStd(t, addr.String())
	check("IPv4", <-opened, cl.RemoteAddr().(*net.TCPAddr).AddrPort(), cl.LocalAddr().(*net.TCPAddr).AddrPort())

	// A dual-stack listener: an IPv4 client's addresses come mapped to IPv6.
	if addr, err := l.Listen("tcp", "[::]:0"); err != nil {
		t.Logf("no dual-stack listener: %v", err)
	} else if cl, err := net.Dial("tcp4", netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), addr.(*net.TCPAddr).AddrPort().Port()).String()); err != nil {
		t.Logf("no IPv4 on the dual-stack listener: %v", err)
	} else {
		defer cl.Close()
		check("IPv4 mapped", <-opened, mapped(cl.RemoteAddr().(*net.TCPAddr).AddrPort()), mapped(cl.LocalAddr().(*net.TCPAddr).AddrPort()))
	}

	// A dialed connection: no address from accept, both read from the socket.
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	dc, err := l.Dial(context.Background(), "tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	<-opened
	pc, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	check("dialed", dc, pc.RemoteAddr().(*net.TCPAddr).AddrPort(), pc.LocalAddr().(*net.TCPAddr).AddrPort())
	dc.Close()

	// A unix socket: the listener's path; the client's address is unnamed.
	path := t.TempDir() + "/s"
	if _, err := l.Listen("unix", path); err != nil {
		t.Fatal(err)
	}
	uc, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer uc.Close()
	sc := <-opened
	if a, ok := sc.LocalAddr().(*net.UnixAddr); !ok || a.Name != path || a.Net != "unix" {
		t.Errorf("unix LocalAddr = %#v, want %s", sc.LocalAddr(), path)
	}
	if a, ok := sc.RemoteAddr().(*net.UnixAddr); !ok || a.Net != "unix" {
		t.Errorf("unix RemoteAddr = %#v, want a unix address", sc.RemoteAddr())
	}
}
