package prefork

import (
	"context"
	"fmt"
	"net"
	"os"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// Control sets SO_REUSEADDR and SO_REUSEPORT on a socket before it binds:
// use it as net.ListenConfig.Control to listen where other children
// listen.
func Control(network, address string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		serr = setReuse(int(fd))
	})
	if err != nil {
		return err
	}
	return serr
}

func setReuse(fd int) error {
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		return os.NewSyscallError("setsockopt SO_REUSEADDR", err)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1); err != nil {
		return os.NewSyscallError("setsockopt SO_REUSEPORT", err)
	}
	return nil
}

// Listen listens on a TCP address ("tcp", "tcp4", "tcp6") with
// SO_REUSEPORT, sharing the port with the other children (and the
// parent's Reserve).
func Listen(network, addr string) (net.Listener, error) {
	lc := net.ListenConfig{Control: Control}
	return lc.Listen(context.Background(), network, addr)
}

// Reserve binds a TCP address with SO_REUSEPORT without listening on it:
// it resolves port 0 to a free port and holds the port for the children
// (which Listen on the returned address) while they come and go. Close
// the returned Closer after Run.
func Reserve(network, addr string) (net.Addr, interface{ Close() error }, error) {
	ta, err := net.ResolveTCPAddr(network, addr)
	if err != nil {
		return nil, nil, err
	}
	family, sa := unix.AF_INET, unix.Sockaddr(nil)
	// "tcp" on a wildcard address: the children's listeners are dual-stack
	// ([::], as net.Listen and the event loop listen there), so the
	// reservation holds IPv6's wildcard with IPv4 mapped to it, where the
	// system can.
	wild := network == "tcp" && (ta.IP == nil || ta.IP.IsUnspecified()) && dualStack()
	if ip4 := ta.IP.To4(); !wild && (ip4 != nil || ta.IP == nil && network != "tcp6") {
		s4 := &unix.SockaddrInet4{Port: ta.Port}
		if ip4 != nil {
			copy(s4.Addr[:], ip4)
		}
		sa = s4
	} else {
		family = unix.AF_INET6
		s6 := &unix.SockaddrInet6{Port: ta.Port}
		copy(s6.Addr[:], ta.IP.To16())
		sa = s6
	}
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, os.NewSyscallError("socket", err)
	}
	if family == unix.AF_INET6 {
		// As net sets it on every IPv6 socket, not the system's default.
		v6only := 1
		if network == "tcp" {
			v6only = 0
		}
		unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, v6only)
	}
	// SO_REUSEPORT alone: the children (same user, SO_REUSEPORT) may bind
	// the port, a listener without it may not; with SO_REUSEADDR too, any
	// SO_REUSEADDR listener (Go's default) could take the port while no
	// child listens.
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1); err != nil {
		unix.Close(fd)
		return nil, nil, os.NewSyscallError("setsockopt SO_REUSEPORT", err)
	}
	if err := unix.Bind(fd, sa); err != nil {
		unix.Close(fd)
		return nil, nil, fmt.Errorf("prefork: reserve %s: %w", addr, os.NewSyscallError("bind", err))
	}
	bound, err := unix.Getsockname(fd)
	if err != nil {
		unix.Close(fd)
		return nil, nil, os.NewSyscallError("getsockname", err)
	}
	var out *net.TCPAddr
	switch b := bound.(type) {
	case *unix.SockaddrInet4:
		out = &net.TCPAddr{IP: net.IP(b.Addr[:]).To16(), Port: b.Port}
	case *unix.SockaddrInet6:
		out = &net.TCPAddr{IP: net.IP(b.Addr[:]), Port: b.Port}
	}
	return out, reservation(fd), nil
}

// reservation is the descriptor of a Reserve.
type reservation int

func (r reservation) Close() error { return unix.Close(int(r)) }

// dualStack reports whether an IPv6 socket here can take IPv4 peers too.
var dualStack = sync.OnceValue(func() bool {
	fd, err := unix.Socket(unix.AF_INET6, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	if unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 0) != nil {
		return false
	}
	mapped := &unix.SockaddrInet6{Addr: [16]byte{10: 0xff, 11: 0xff, 12: 127, 15: 1}}
	return unix.Bind(fd, mapped) == nil
})
