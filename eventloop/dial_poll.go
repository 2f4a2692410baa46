//go:build (linux || darwin || freebsd || netbsd || openbsd || dragonfly) && !eventloop_goroutines

package eventloop

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"

	"golang.org/x/sys/unix"
)

// Dial connects to addr without blocking the loop and returns the connection once OnOpen has run.
// It blocks the calling goroutine until then or until ctx is done, so it must not be called from a
// Handler callback. The loop must be running.
func (l *Loop) Dial(ctx context.Context, network, addr string) (*Conn, error) {
	return l.DialWith(ctx, network, addr, DialOptions{})
}

// DialWith is Dial with options: a local address to bind and the initial context slot.
//
// A host name's addresses are tried one after another, in the resolver's order (of those of the
// local address's family, when it has a host), until one connects, as package net does but
// without its racing of the two families: an address that does not answer holds the next ones
// back until the system gives up on it or ctx ends. The error is the first address's.
func (l *Loop) DialWith(ctx context.Context, network, addr string, opt DialOptions) (*Conn, error) {
	if l.state.Load() == loopStopped {
		return nil, ErrClosed
	}
	sas, err := resolveAll(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	var local unix.Sockaddr
	if opt.LocalAddr != "" {
		// Unresolvable, it is reported as net reports it (naming the address), not as bind's.
		if local, _, err = resolve(ctx, network, opt.LocalAddr); err != nil {
			return nil, err
		}
	}
	var first error
	tried := false
	for _, sa := range sas {
		lsa, ok := localFor(local, sa)
		if !ok {
			continue
		}
		tried = true
		c, err := l.dialOne(ctx, sa, lsa, opt.Value)
		if err == nil {
			return c, nil
		}
		if first == nil {
			first = err
		}
		// Only a socket's own failure moves on to the next address: not ctx, nor Shutdown.
		var se *os.SyscallError
		if !errors.As(err, &se) || ctx.Err() != nil {
			return nil, err
		}
	}
	if !tried {
		return nil, &net.AddrError{Err: "no suitable address found", Addr: opt.LocalAddr}
	}
	return nil, first
}

// localFor returns the local address to bind for a dial to sa (nil for none); false when local
// is of another family, which leaves sa out. A wildcard local address (no host, 0.0.0.0 or ::)
// takes sa's family, as package net binds it.
func localFor(local, sa unix.Sockaddr) (unix.Sockaddr, bool) {
	switch a := local.(type) {
	case *unix.SockaddrInet4:
		if _, ok := sa.(*unix.SockaddrInet6); ok {
			if a.Addr != [4]byte{} {
				return nil, false
			}
			return &unix.SockaddrInet6{Port: a.Port}, true
		}
	case *unix.SockaddrInet6:
		if _, ok := sa.(*unix.SockaddrInet4); ok {
			if a.Addr != [16]byte{} {
				return nil, false
			}
			return &unix.SockaddrInet4{Port: a.Port}, true
		}
	}
	return local, true
}

// dialOne connects to sa, bound to lsa unless it is nil.
func (l *Loop) dialOne(ctx context.Context, sa, lsa unix.Sockaddr, value any) (*Conn, error) {
	family := sockFamily(sa)
	fd, err := socket(family)
	if err != nil {
		return nil, os.NewSyscallError("socket", err)
	}
	if lsa != nil {
		if err := unix.Bind(fd, lsa); err != nil {
			unix.Close(fd)
			return nil, os.NewSyscallError("bind", err)
		}
	}
	if family != unix.AF_UNIX && !l.cfg.TCPDelay {
		unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	}
	if err := unix.Connect(fd, sa); err != nil && err != unix.EINPROGRESS && err != unix.EINTR {
		unix.Close(fd)
		return nil, os.NewSyscallError("connect", err)
	}
	lp := l.pick()
	c := &Conn{lp: lp, fd: int32(fd), ctx: value}
	ch := make(chan error, 1)
	if !lp.post(func() { lp.startDial(c, ch) }) {
		unix.Close(fd)
		return nil, ErrClosed
	}
	select {
	case err := <-ch:
		if err != nil {
			return nil, err
		}
		return c, nil
	case <-ctx.Done():
		err := ctx.Err()
		lp.post(func() { lp.cancelDial(c, err) })
		return nil, err
	}
}

func (lp *loop) startDial(c *Conn, ch chan error) {
	fd := int(c.fd)
	if lp.draining {
		unix.Close(fd)
		c.storeState(stateClosed)
		ch <- ErrShutdown
		return
	}
	c.gen = lp.nextGen()
	if err := lp.p.add(fd, c.gen, false, true); err != nil {
		unix.Close(fd)
		c.storeState(stateClosed)
		ch <- err
		return
	}
	c.flags = fRegW | fConnecting
	lp.insert(c)
	lp.dials[c] = ch
}

func (lp *loop) finishDial(c *Conn) {
	fd := int(c.fd)
	ch := lp.dials[c]
	delete(lp.dials, c)
	errno, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
	if err == nil && errno != 0 {
		err = unix.Errno(errno)
	}
	if err == nil {
		err = lp.p.mod(fd, c.gen, false, true, true, false)
	}
	if err != nil {
		lp.drop(c)
		ch <- os.NewSyscallError("connect", err)
		return
	}
	c.flags = fRegR
	lp.stats.dialed.Add(1)
	lp.open(c, netip.AddrPort{})
	ch <- nil
}

func (lp *loop) cancelDial(c *Conn, err error) {
	if ch, ok := lp.dials[c]; ok {
		delete(lp.dials, c)
		lp.drop(c)
		ch <- err
		return
	}
	if c.loadState() != stateClosed {
		lp.closeConn(c, err)
	}
}

// drop removes a connection that never opened.
func (lp *loop) drop(c *Conn) {
	lp.l.fds.set(int(c.fd), nil)
	lp.nconns--
	c.storeState(stateClosed)
	unix.Close(int(c.fd))
}
