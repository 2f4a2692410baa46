//go:build (darwin || freebsd || netbsd || openbsd || dragonfly) && !eventloop_goroutines

package eventloop

import (
	"net"
	"net/netip"

	"golang.org/x/sys/unix"
)

// ipAddrs reads the local and the remote address of the connected socket
// fd. peer, when valid, is the remote address accept returned, and
// getpeername is not called. isUnix reports a unix socket, whose addresses
// the caller reads otherwise; an address that could not be read is the
// zero AddrPort. Unlike Linux's, it allocates (package unix's wrappers
// return a Sockaddr): darwin and OpenBSD reach the kernel through libc, with
// no raw system call to fill a buffer on the stack.
func ipAddrs(fd int, peer netip.AddrPort) (local, remote netip.AddrPort, isUnix bool) {
	lsa, _ := unix.Getsockname(fd)
	if _, ok := lsa.(*unix.SockaddrUnix); ok {
		return local, remote, true
	}
	local, _ = sockaddrToAddrPort(lsa)
	if peer.IsValid() {
		return local, peer, false
	}
	rsa, _ := unix.Getpeername(fd)
	remote, _ = sockaddrToAddrPort(rsa)
	return local, remote, false
}

// sockaddrToAddrPort returns the address and port of an IP socket address; false for others.
func sockaddrToAddrPort(sa unix.Sockaddr) (netip.AddrPort, bool) {
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), uint16(sa.Port)), true
	case *unix.SockaddrInet6:
		ip := netip.AddrFrom16(sa.Addr)
		if sa.ZoneId != 0 {
			if ifi, err := net.InterfaceByIndex(int(sa.ZoneId)); err == nil {
				ip = ip.WithZone(ifi.Name)
			}
		}
		return netip.AddrPortFrom(ip, uint16(sa.Port)), true
	}
	return netip.AddrPort{}, false
}
