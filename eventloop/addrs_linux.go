//go:build linux && !eventloop_goroutines

package eventloop

import (
	"net"
	"net/netip"
	"unsafe"

	"golang.org/x/sys/unix"
)

// ipAddrs reads the local and the remote address of the connected socket
// fd without allocating: the raw getsockname and getpeername calls fill a
// buffer on the stack, which is decoded into values (unix.Getsockname and
// unix.Getpeername allocate two objects each). peer, when valid, is the
// remote address accept returned, and getpeername is not called. isUnix
// reports a unix socket, whose addresses the caller reads otherwise; an
// address that could not be read is the zero AddrPort.
func ipAddrs(fd int, peer netip.AddrPort) (local, remote netip.AddrPort, isUnix bool) {
	var rsa unix.RawSockaddrAny
	n := uint32(unix.SizeofSockaddrAny)
	if _, _, e := unix.RawSyscall(unix.SYS_GETSOCKNAME, uintptr(fd), uintptr(unsafe.Pointer(&rsa)), uintptr(unsafe.Pointer(&n))); e == 0 {
		if rsa.Addr.Family == unix.AF_UNIX {
			return local, remote, true
		}
		local = rawToAddrPort(&rsa)
	}
	if peer.IsValid() {
		return local, peer, false
	}
	n = uint32(unix.SizeofSockaddrAny)
	if _, _, e := unix.RawSyscall(unix.SYS_GETPEERNAME, uintptr(fd), uintptr(unsafe.Pointer(&rsa)), uintptr(unsafe.Pointer(&n))); e == 0 {
		remote = rawToAddrPort(&rsa)
	}
	return local, remote, false
}

// rawToAddrPort decodes an IPv4 or IPv6 socket address; the zero AddrPort
// for other families. A zoned (link-local) IPv6 address looks its
// interface's name up, which allocates.
func rawToAddrPort(rsa *unix.RawSockaddrAny) netip.AddrPort {
	switch rsa.Addr.Family {
	case unix.AF_INET:
		sa := (*unix.RawSockaddrInet4)(unsafe.Pointer(rsa))
		return netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), ntohs(sa.Port))
	case unix.AF_INET6:
		sa := (*unix.RawSockaddrInet6)(unsafe.Pointer(rsa))
		ip := netip.AddrFrom16(sa.Addr)
		if sa.Scope_id != 0 {
			if ifi, err := net.InterfaceByIndex(int(sa.Scope_id)); err == nil {
				ip = ip.WithZone(ifi.Name)
			}
		}
		return netip.AddrPortFrom(ip, ntohs(sa.Port))
	}
	return netip.AddrPort{}
}

// ntohs reads a port kept in network byte order.
func ntohs(p uint16) uint16 {
	b := (*[2]byte)(unsafe.Pointer(&p))
	return uint16(b[0])<<8 | uint16(b[1])
}

// accept returns a non-blocking, close-on-exec connection and its peer's
// address (the zero AddrPort for a unix socket). The address buffer is on
// the stack, so it allocates nothing.
func accept(fd int) (int, netip.AddrPort, error) {
	for {
		var rsa unix.RawSockaddrAny
		n := uint32(unix.SizeofSockaddrAny)
		nfd, _, e := unix.Syscall6(unix.SYS_ACCEPT4, uintptr(fd), uintptr(unsafe.Pointer(&rsa)), uintptr(unsafe.Pointer(&n)), unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0, 0)
		if e == unix.EINTR {
			continue
		}
		if e != 0 {
			return -1, netip.AddrPort{}, e
		}
		return int(nfd), rawToAddrPort(&rsa), nil
	}
}
