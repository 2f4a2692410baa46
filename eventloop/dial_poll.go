//go:build (linux || darwin || freebsd || netbsd || openbsd || dragonfly) && !eventloop_goroutines

package eventloop

import (
	"context"
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
func (l *Loop) DialWith(ctx context.Context, network, addr string, opt DialOptions) (*Conn, error) {
	if l.state.Load() == loopStopped {
		return nil, ErrClosed
	}
	sa, family, err := resolve(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	fd, err := socket(family)
	if err != nil {
		return nil, os.NewSyscallError("socket", err)
	}
	if opt.LocalAddr != "" {
		lsa, _, err := resolve(ctx, network, opt.LocalAddr)
		if err == nil {
			err = unix.Bind(fd, lsa)
		}
		if err != nil {
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
	c := &Conn{lp: lp, fd: int32(fd), ctx: opt.Value}
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
