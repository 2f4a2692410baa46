//go:build (freebsd || netbsd || openbsd || dragonfly) && !eventloop_goroutines

package eventloop

import (
	"net/netip"
	"syscall"

	"golang.org/x/sys/unix"
)

// socket returns a non-blocking, close-on-exec stream socket: both set by the call that makes
// it, so that a fork of os/exec meanwhile cannot leak it into the child.
func socket(family int) (int, error) {
	return unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
}

// accept returns a non-blocking, close-on-exec connection, both set by accept4 itself (see
// socket), and its peer's address (the zero AddrPort for a unix socket). It is the syscall
// package's accept4: golang.org/x/sys/unix has none for netbsd and openbsd.
func accept(fd int) (int, netip.AddrPort, error) {
	for {
		nfd, sa, err := syscall.Accept4(fd, syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC)
		if err == syscall.EINTR || err == syscall.ECONNABORTED {
			continue
		}
		if err != nil {
			return -1, netip.AddrPort{}, err
		}
		var peer netip.AddrPort
		switch sa := sa.(type) {
		case *syscall.SockaddrInet4:
			peer, _ = sockaddrToAddrPort(&unix.SockaddrInet4{Port: sa.Port, Addr: sa.Addr})
		case *syscall.SockaddrInet6:
			peer, _ = sockaddrToAddrPort(&unix.SockaddrInet6{Port: sa.Port, ZoneId: sa.ZoneId, Addr: sa.Addr})
		}
		return nfd, peer, nil
	}
}
