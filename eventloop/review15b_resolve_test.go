//go:build linux && !eventloop_goroutines

package eventloop

import (
	"context"
	"net"
	"net/netip"
	"strconv"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// fakeHosts makes resolve look host names up in hosts (each name's addresses in the resolver's
// order) for the rest of the test, per family as a DNS server would answer A and AAAA queries.
func fakeHosts(t *testing.T, hosts map[string][]string) {
	old := lookupNetIP
	t.Cleanup(func() { lookupNetIP = old })
	lookupNetIP = func(ctx context.Context, network, host string) ([]netip.Addr, error) {
		var ips []netip.Addr
		for _, s := range hosts[host] {
			ip := netip.MustParseAddr(s)
			if network == "ip" || network == "ip4" && ip.Is4() || network == "ip6" && ip.Is6() {
				ips = append(ips, ip)
			}
		}
		if len(ips) == 0 {
			return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
		}
		return ips, nil
	}
}

func dialName(t *testing.T, l *Loop, network, addr string) (*Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return l.Dial(ctx, network, addr)
}

// TestResolveIPv6OnlyName: "tcp" to a host name with IPv6 addresses only listens and dials on
// them, as package net (and the goroutine backend) does. The pollers looked "tcp" names up in
// IPv4 only and failed with "no such host".
func TestResolveIPv6OnlyName(t *testing.T) {
	fakeHosts(t, map[string][]string{"six.test": {"::1"}})
	l, _ := serve(t, Config{Loops: 1}, &funcs{})
	a, err := l.Listen("tcp", "six.test:0")
	if err != nil {
		t.Fatalf("Listen on an IPv6-only name: %v", err)
	}
	ta := a.(*net.TCPAddr)
	if !ta.IP.Equal(net.IPv6loopback) {
		t.Fatalf("listening on %v, want [::1]", a)
	}
	c, err := dialName(t, l, "tcp", "six.test:"+strconv.Itoa(ta.Port))
	if err != nil {
		t.Fatalf("Dial to an IPv6-only name: %v", err)
	}
	c.Close()
	if _, err := dialName(t, l, "tcp4", "six.test:"+strconv.Itoa(ta.Port)); err == nil {
		t.Fatal("tcp4 dialed a name with no IPv4 address")
	}
}

// TestResolveDialTriesEachAddress: Dial to a host name whose first address refuses the
// connection tries the next one, as package net does. The pollers tried the first (IPv4) address
// only and failed with "connection refused".
func TestResolveDialTriesEachAddress(t *testing.T) {
	fakeHosts(t, map[string][]string{"both.test": {"127.0.0.1", "::1"}})
	l, _ := serve(t, Config{Loops: 1}, &funcs{})
	a, err := l.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Fatal(err)
	}
	port := a.(*net.TCPAddr).Port
	// Hold 127.0.0.1 on that port without listening, so the first address surely refuses.
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if err := unix.Bind(fd, &unix.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Skipf("127.0.0.1:%d is taken: %v", port, err)
	}
	c, err := dialName(t, l, "tcp", "both.test:"+strconv.Itoa(port))
	if err != nil {
		t.Fatalf("Dial with a refusing first address: %v", err)
	}
	defer c.Close()
	waitFor(t, "the IPv6 listener's connection", func() bool { return l.Stats().Accepted == 1 })
	if ra, _ := c.RemoteAddr().(*net.TCPAddr); ra == nil || !ra.IP.Equal(net.IPv6loopback) {
		t.Fatalf("dialed %v, want [::1]", c.RemoteAddr())
	}
}
