//go:build (linux || darwin || freebsd || netbsd || openbsd || dragonfly) && !eventloop_goroutines

package eventloop

import (
	"context"
	"net"
	"net/netip"
	"strconv"
	"sync"

	"golang.org/x/sys/unix"
)

// resolve turns network and addr into a socket address and its family. As package net does,
// "tcp4" and "tcp6" take an address of their own family only (an IPv4 address mapped to IPv6 is
// IPv4's), and a missing host is the wildcard address (see listenAddr for "tcp").
func resolve(ctx context.Context, network, addr string) (unix.Sockaddr, int, error) {
	switch network {
	case "unix":
		return &unix.SockaddrUnix{Name: addr}, unix.AF_UNIX, nil
	case "tcp", "tcp4", "tcp6":
	default:
		return nil, 0, ErrNetwork
	}
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, 0, err
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		if port, err = net.DefaultResolver.LookupPort(ctx, network, portStr); err != nil {
			return nil, 0, err
		}
	}
	var ip netip.Addr
	switch {
	case host == "" && network == "tcp6":
		ip = netip.IPv6Unspecified()
	case host == "":
		ip = netip.IPv4Unspecified()
	default:
		if ip, err = netip.ParseAddr(host); err != nil {
			ipnet := "ip4"
			if network == "tcp6" {
				ipnet = "ip6"
			}
			ips, err := net.DefaultResolver.LookupNetIP(ctx, ipnet, host)
			if err != nil {
				return nil, 0, err
			}
			if len(ips) == 0 {
				return nil, 0, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
			}
			ip = ips[0]
		}
	}
	if network == "tcp6" && (ip.Is4() || ip.Is4In6()) || network == "tcp4" && !ip.Unmap().Is4() {
		return nil, 0, &net.AddrError{Err: "no suitable address found", Addr: host}
	}
	ip = ip.Unmap()
	if ip.Is4() {
		return &unix.SockaddrInet4{Port: port, Addr: ip.As4()}, unix.AF_INET, nil
	}
	sa := &unix.SockaddrInet6{Port: port, Addr: ip.As16()}
	if z := ip.Zone(); z != "" {
		if ifi, err := net.InterfaceByName(z); err == nil {
			sa.ZoneId = uint32(ifi.Index)
		}
	}
	return sa, unix.AF_INET6, nil
}

func sockaddrToAddr(sa unix.Sockaddr) net.Addr {
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		return &net.TCPAddr{IP: net.IP(sa.Addr[:]).To16(), Port: sa.Port}
	case *unix.SockaddrInet6:
		a := &net.TCPAddr{IP: append(net.IP(nil), sa.Addr[:]...), Port: sa.Port}
		if sa.ZoneId != 0 {
			if ifi, err := net.InterfaceByIndex(int(sa.ZoneId)); err == nil {
				a.Zone = ifi.Name
			}
		}
		return a
	case *unix.SockaddrUnix:
		return &net.UnixAddr{Name: sa.Name, Net: "unix"}
	}
	return nil
}

// listenAddr is resolve for Listen. "tcp" with a wildcard address (no host, 0.0.0.0 or ::)
// listens on IPv6's, dual-stack, so that IPv4 and IPv6 clients both come in, as net.Listen does;
// on a system that cannot (no IPv6, or no IPv4 mapped to it), on the address as given. v6only
// says which value the caller sets IPV6_V6ONLY to on an IPv6 socket: only "tcp6" keeps to IPv6.
func listenAddr(network, addr string) (sa unix.Sockaddr, family int, v6only bool, err error) {
	sa, family, err = resolve(context.Background(), network, addr)
	if err != nil || network != "tcp" || !dualStack() {
		return sa, family, network == "tcp6", err
	}
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		if a.Addr == [4]byte{} {
			return &unix.SockaddrInet6{Port: a.Port}, unix.AF_INET6, false, nil
		}
	case *unix.SockaddrInet6:
		if a.Addr == [16]byte{} {
			return &unix.SockaddrInet6{Port: a.Port}, unix.AF_INET6, false, nil
		}
	}
	return sa, family, false, nil
}

// dualStack reports whether an IPv6 socket here can take IPv4 peers too (IPV6_V6ONLY off).
var dualStack = sync.OnceValue(func() bool {
	fd, err := socket(unix.AF_INET6)
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	if unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 0) != nil {
		return false
	}
	loop4 := netip.AddrFrom4([4]byte{127, 0, 0, 1})
	return unix.Bind(fd, &unix.SockaddrInet6{Addr: loop4.As16()}) == nil
})

// setV6Only sets IPV6_V6ONLY on an IPv6 socket, as package net does for every one, rather than
// leave it to the system's default (net.ipv6.bindv6only on Linux). Some systems refuse to change
// it; as net does, the error is not one of the caller's.
func setV6Only(fd, family int, only bool) {
	if family != unix.AF_INET6 {
		return
	}
	v := 0
	if only {
		v = 1
	}
	unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, v)
}
