//go:build (linux || darwin || freebsd || netbsd || openbsd || dragonfly) && !eventloop_goroutines

package eventloop

import (
	"context"
	"net"
	"net/netip"
	"strconv"

	"golang.org/x/sys/unix"
)

// resolve turns network and addr into a socket address and its family.
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
	ip = ip.Unmap()
	if ip.Is4() && network != "tcp6" {
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
