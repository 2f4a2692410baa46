//go:build (linux || darwin || freebsd || netbsd || openbsd || dragonfly) && !eventloop_goroutines

package eventloop

import (
	"net"
	"net/netip"
	"os"

	"golang.org/x/sys/unix"
)

// Listen opens a listening socket ("tcp", "tcp4", "tcp6" or "unix") and returns its address
// (useful with port 0). It reads network and addr as net.Listen does: "tcp" with no host, 0.0.0.0
// or :: listens dual-stack on [::] where the system can, so IPv4 and IPv6 clients both come in;
// "tcp4" and "tcp6" keep to their family (an address of the other one is refused). It may be
// called before or during Run. For TCP on Linux every loop gets its own SO_REUSEPORT socket;
// elsewhere, and for a unix socket, one socket in the first loop hands connections to all loops
// in turn.
func (l *Loop) Listen(network, addr string) (net.Addr, error) {
	if l.state.Load() == loopStopped {
		return nil, ErrClosed
	}
	sa, family, v6only, err := listenAddr(network, addr)
	if err != nil {
		return nil, err
	}
	tcp := family != unix.AF_UNIX
	n := 1
	if tcp && reusePortBalances {
		n = len(l.loops)
	}
	if n > 1 && !l.cfg.ReusePort {
		// The loops' sockets share the port through SO_REUSEPORT, which
		// would let them join another process's SO_REUSEPORT sockets on
		// it (another server of this package, say), and the kernel would
		// split the connections between the two: refuse a port that is
		// taken, as one plain socket would.
		if err := checkFree(sa, family, v6only); err != nil {
			return nil, err
		}
	}
	fds := make([]int, 0, n)
	var bound unix.Sockaddr
	for i := 0; i < n; i++ {
		fd, err := l.listenFD(sa, family, v6only, n > 1 || (tcp && l.cfg.ReusePort))
		if err != nil {
			for _, fd := range fds {
				unix.Close(fd)
			}
			return nil, err
		}
		fds = append(fds, fd)
		if i == 0 {
			if bound, err = unix.Getsockname(fd); err != nil {
				unix.Close(fd)
				return nil, err
			}
			sa = bound
		}
	}
	path := ""
	if !tcp {
		path = unixPath(addr)
	}
	if testHookListenPost != nil {
		testHookListenPost()
	}
	for i, fd := range fds {
		lp := l.loops[i]
		ln := &listener{fd: fd, tcp: tcp, path: path}
		if !lp.post(func() { lp.addListener(ln) }) {
			for _, fd := range fds[i:] {
				unix.Close(fd)
			}
			if path != "" {
				// Shutdown came first: the socket's file goes with it, as closeListener's does.
				os.Remove(path)
			}
			return nil, ErrClosed
		}
	}
	return sockaddrToAddr(bound), nil
}

// testHookListenPost, if set, runs in Listen once the sockets are bound, before they go to the loops.
var testHookListenPost func()

// unixPath is the file a unix socket bound to addr leaves, to remove when it closes: none for an
// abstract address (Linux's, "@name"), as package net leaves none.
func unixPath(addr string) string {
	if addr == "" || addr[0] == '@' {
		return ""
	}
	return addr
}

func (l *Loop) listenFD(sa unix.Sockaddr, family int, v6only, reusePort bool) (int, error) {
	fd, err := socket(family)
	if err != nil {
		return -1, os.NewSyscallError("socket", err)
	}
	setV6Only(fd, family, v6only)
	if family != unix.AF_UNIX {
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
			unix.Close(fd)
			return -1, os.NewSyscallError("setsockopt", err)
		}
		if reusePort {
			if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1); err != nil {
				unix.Close(fd)
				return -1, os.NewSyscallError("setsockopt", err)
			}
		}
	}
	if err := unix.Bind(fd, sa); err != nil {
		unix.Close(fd)
		return -1, os.NewSyscallError("bind", err)
	}
	if err := unix.Listen(fd, l.cfg.Backlog); err != nil {
		unix.Close(fd)
		return -1, os.NewSyscallError("listen", err)
	}
	return fd, nil
}

// checkFree binds a socket without SO_REUSEPORT to sa and closes it: the
// bind fails (EADDRINUSE) if another socket listens there. Port 0 is free.
func checkFree(sa unix.Sockaddr, family int, v6only bool) error {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		if a.Port == 0 {
			return nil
		}
	case *unix.SockaddrInet6:
		if a.Port == 0 {
			return nil
		}
	}
	fd, err := socket(family)
	if err != nil {
		return os.NewSyscallError("socket", err)
	}
	defer unix.Close(fd)
	setV6Only(fd, family, v6only)
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		return os.NewSyscallError("setsockopt", err)
	}
	if err := unix.Bind(fd, sa); err != nil {
		return os.NewSyscallError("bind", err)
	}
	return nil
}

func (lp *loop) addListener(ln *listener) {
	if lp.draining {
		lp.closeListener(ln)
		return
	}
	if err := lp.p.add(ln.fd, 0, true, false); err != nil {
		lp.closeListener(ln)
		if lg := lp.l.logger(); lg != nil {
			lg.Error("eventloop: register listener", "err", err)
		}
		return
	}
	lp.listeners[ln.fd] = ln
}

func (lp *loop) closeListener(ln *listener) {
	delete(lp.listeners, ln.fd)
	unix.Close(ln.fd)
	if ln.path != "" {
		os.Remove(ln.path)
	}
}

// accept takes a batch of connections; the listener is level-triggered, so the rest come next round.
func (lp *loop) accept(ln *listener) {
	for i := 0; i < 128; i++ {
		fd, peer, err := accept(ln.fd)
		if err != nil {
			switch err {
			case unix.EAGAIN:
			case unix.EMFILE, unix.ENFILE, unix.ENOBUFS, unix.ENOMEM:
				lp.pauseListener(ln, err)
			case unix.ECONNABORTED, unix.EINTR, unix.EPROTO:
				continue
			default:
				if lg := lp.l.logger(); lg != nil {
					lg.Error("eventloop: accept", "err", err)
				}
			}
			return
		}
		lp.stats.accepted.Add(1)
		if ln.tcp && !lp.cfg.TCPDelay {
			unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
		}
		if !(ln.tcp && reusePortBalances) && len(lp.l.loops) > 1 {
			if to := lp.l.pick(); to != lp {
				if !to.post(func() { to.openAccepted(fd, peer) }) {
					lp.stats.acceptDrops.Add(1)
					unix.Close(fd)
				}
				continue
			}
		}
		lp.openAccepted(fd, peer)
	}
}

// pauseListener stops accepting for AcceptBackoff: out of fds, accept would fail again at once and
// the level-triggered listener would spin the loop.
func (lp *loop) pauseListener(ln *listener, err error) {
	if ln.paused {
		return
	}
	lp.stats.acceptPauses.Add(1)
	if lg := lp.l.logger(); lg != nil {
		lg.Warn("eventloop: accept paused", "err", err, "for", lp.cfg.AcceptBackoff)
	}
	ln.paused = true
	lp.p.del(ln.fd, true, false)
	lp.timers = append(lp.timers, timer{at: lp.now + int64(lp.cfg.AcceptBackoff), fn: func() {
		ln.paused = false
		if _, ok := lp.listeners[ln.fd]; ok && !lp.draining {
			lp.p.add(ln.fd, 0, true, false)
		}
	}})
}

// testHookOpenAccepted, if set, replaces the error of an accepted connection's registration.
var testHookOpenAccepted func(error) error

// openAccepted opens the accepted connection fd; peer is its peer's address if accept returned it.
func (lp *loop) openAccepted(fd int, peer netip.AddrPort) {
	if lp.draining {
		lp.stats.acceptDrops.Add(1)
		unix.Close(fd)
		return
	}
	c := &Conn{lp: lp, fd: int32(fd), gen: lp.nextGen()}
	err := lp.p.add(fd, c.gen, true, false)
	if testHookOpenAccepted != nil {
		err = testHookOpenAccepted(err)
	}
	if err != nil {
		lp.stats.acceptDrops.Add(1)
		if lg := lp.l.logger(); lg != nil {
			lg.Error("eventloop: accepted connection dropped", "err", os.NewSyscallError("register", err), "peer", peer)
		}
		unix.Close(fd)
		return
	}
	c.flags = fRegR
	lp.insert(c)
	lp.open(c, peer)
}
