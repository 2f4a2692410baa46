//go:build !eventloop_goroutines

package eventloop

import (
	"net/netip"
	"syscall"

	"golang.org/x/sys/unix"
)

// darwin has neither SOCK_CLOEXEC nor accept4: a new descriptor is made close-on-exec under
// syscall.ForkLock, as the net package does, so that a fork of os/exec in between does not leak
// it into the child.

// socket returns a non-blocking, close-on-exec stream socket.
func socket(family int) (int, error) {
	syscall.ForkLock.RLock()
	fd, err := unix.Socket(family, unix.SOCK_STREAM, 0)
	if err == nil {
		unix.CloseOnExec(fd)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return -1, err
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

// accept returns a non-blocking, close-on-exec connection and its peer's address (the zero
// AddrPort for a unix socket).
func accept(fd int) (int, netip.AddrPort, error) {
	for {
		syscall.ForkLock.RLock()
		nfd, sa, err := unix.Accept(fd)
		if err == nil {
			unix.CloseOnExec(nfd)
		}
		syscall.ForkLock.RUnlock()
		if err == unix.EINTR || err == unix.ECONNABORTED {
			continue
		}
		if err != nil {
			return -1, netip.AddrPort{}, err
		}
		if err := unix.SetNonblock(nfd, true); err != nil {
			unix.Close(nfd)
			return -1, netip.AddrPort{}, err
		}
		peer, _ := sockaddrToAddrPort(sa)
		return nfd, peer, nil
	}
}
