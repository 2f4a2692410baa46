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

// lookupNetIP looks a host name's addresses up for resolve; tests swap it.
var lookupNetIP = net.DefaultResolver.LookupNetIP

// resolve turns network and addr into one socket address and its family, for Listen and a local
// address: of a host name's addresses the first IPv4 one, else the first, as net.Listen takes.
func resolve(ctx context.Context, network, addr string) (unix.Sockaddr, int, error) {
	sas, err := resolveAll(ctx, network, addr)
	if err != nil {
		return nil, 0, err
	}
	for _, sa := range sas {
		if _, ok := sa.(*unix.SockaddrInet4); ok {
			return sa, unix.AF_INET, nil
		}
	}
	return sas[0], sockFamily(sas[0]), nil
}

// resolveAll turns network and addr into the socket addresses they name, in the resolver's order
// (never none without an error). As package net does, "tcp" takes addresses of both families,
// "tcp4" and "tcp6" an address of their own family only (an IPv4 address mapped to IPv6 is
// IPv4's), and a missing host is the wildcard address (see listenAddr for "tcp").
func resolveAll(ctx context.Context, network, addr string) ([]unix.Sockaddr, error) {
	switch network {
	case "unix":
		return []unix.Sockaddr{&unix.SockaddrUnix{Name: addr}}, nil
	case "tcp", "tcp4", "tcp6":
	default:
		return nil, ErrNetwork
	}
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		if port, err = net.DefaultResolver.LookupPort(ctx, network, portStr); err != nil {
			return nil, err
		}
	} else if port < 0 || port > 0xFFFF {
		// As package net refuses it: the system's bind or connect would say only EINVAL.
		return nil, &net.AddrError{Err: "invalid port", Addr: portStr}
	}
	var ips []netip.Addr
	switch {
	case host == "" && network == "tcp6":
		ips = []netip.Addr{netip.IPv6Unspecified()}
	case host == "":
		ips = []netip.Addr{netip.IPv4Unspecified()}
	default:
		ip, err := netip.ParseAddr(host)
		if err == nil {
			ips = []netip.Addr{ip}
			break
		}
		ipnet := "ip"
		switch network {
		case "tcp4":
			ipnet = "ip4"
		case "tcp6":
			ipnet = "ip6"
		}
		if ips, err = lookupNetIP(ctx, ipnet, host); err != nil {
			return nil, err
		}
		if len(ips) == 0 {
			return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
		}
	}
	sas := make([]unix.Sockaddr, 0, len(ips))
	for _, ip := range ips {
		if network == "tcp6" && (ip.Is4() || ip.Is4In6()) || network == "tcp4" && !ip.Unmap().Is4() {
			continue
		}
		sas = append(sas, ipSockaddr(ip.Unmap(), port))
	}
	if len(sas) == 0 {
		return nil, &net.AddrError{Err: "no suitable address found", Addr: host}
	}
	return sas, nil
}

// ipSockaddr is the socket address of ip (IPv4 unmapped) and port.
func ipSockaddr(ip netip.Addr, port int) unix.Sockaddr {
	if ip.Is4() {
		return &unix.SockaddrInet4{Port: port, Addr: ip.As4()}
	}
	sa := &unix.SockaddrInet6{Port: port, Addr: ip.As16()}
	if z := ip.Zone(); z != "" {
		// An interface's name, or its index as package net takes it too ("fe80::1%2").
		if ifi, err := net.InterfaceByName(z); err == nil {
			sa.ZoneId = uint32(ifi.Index)
		} else if n, err := strconv.ParseUint(z, 10, 32); err == nil {
			sa.ZoneId = uint32(n)
		}
	}
	return sa
}

// sockFamily is the address family of a socket address of resolveAll's.
func sockFamily(sa unix.Sockaddr) int {
	switch sa.(type) {
	case *unix.SockaddrInet4:
		return unix.AF_INET
	case *unix.SockaddrInet6:
		return unix.AF_INET6
	}
	return unix.AF_UNIX
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
