//go:build (linux || darwin || freebsd || netbsd || openbsd || dragonfly) && !eventloop_goroutines

package eventloop

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"time"

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
// A host name's addresses (of the local address's family, when it has a host) are raced as
// package net and RFC 8305 race them: the first is tried at once, the next, alternating between
// IPv6 and IPv4, when the one before fails or has not connected within 300 ms (net.Dialer's
// FallbackDelay), and so on. The first to connect wins, OnOpen runs for it alone, and the other
// attempts are closed. An attempt that has not connected goes on while the next ones start, as RFC
// 8305 (section 5) has it, so a host none of whose n addresses answers holds up to n sockets at once
// until their connects fail or ctx ends; package net, which tries each family's addresses one after
// another, holds two. With a local address that has a port, which two sockets cannot both bind,
// the next address is tried only when the one before fails. ctx bounds the whole dial. When
// several addresses all fail, the error joins theirs, each naming its address.
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
	var targets []dialTarget
	for _, sa := range sas {
		if lsa, ok := localFor(local, sa); ok {
			targets = append(targets, dialTarget{sa, lsa})
		}
	}
	if len(targets) == 0 {
		return nil, &net.AddrError{Err: "no suitable address found", Addr: opt.LocalAddr}
	}
	targets = interleave(targets)
	lp := l.pick()
	r := &dialRace{res: make(chan dialResult, len(targets))}
	var errs []error
	fail := func(t dialTarget, err error) {
		if len(targets) > 1 {
			err = &net.OpError{Op: "dial", Net: network, Addr: sockaddrToAddr(t.sa), Err: err}
		}
		errs = append(errs, err)
	}
	// stop ends the attempts under way: they are closed, or the one that opened meanwhile is.
	stop := func(err error) (*Conn, error) {
		lp.post(func() { lp.cancelRace(r, err) })
		return nil, err
	}
	var fallback *time.Timer
	defer func() {
		if fallback != nil {
			fallback.Stop()
		}
	}()
	next, pending, startNow := 0, 0, true
	for {
		if startNow && next < len(targets) {
			startNow = false
			t := targets[next]
			next++
			if err := l.dialStart(lp, r, t, opt.Value); err != nil {
				if err == ErrClosed && pending > 0 {
					// The loop stopped under the attempts made: Shutdown ends them.
					err = ErrShutdown
				}
				if !retryable(err) {
					return stop(err)
				}
				fail(t, err)
				startNow = true
				continue
			}
			pending++
			if next < len(targets) && !fixedPort(local) {
				if fallback == nil {
					fallback = time.NewTimer(fallbackDelay)
				} else {
					fallback.Reset(fallbackDelay)
				}
			}
		}
		if pending == 0 {
			if next < len(targets) {
				startNow = true
				continue
			}
			if len(errs) == 1 {
				return nil, errs[0]
			}
			return nil, errors.Join(errs...)
		}
		var tick <-chan time.Time
		if fallback != nil && next < len(targets) {
			tick = fallback.C
		}
		select {
		case res := <-r.res:
			pending--
			if res.err == nil {
				return res.c, nil
			}
			if !retryable(res.err) {
				return stop(res.err)
			}
			if ctx.Err() != nil {
				return stop(ctx.Err())
			}
			fail(res.t, res.err)
			startNow = true
		case <-tick:
			startNow = true
		case <-ctx.Done():
			return stop(ctx.Err())
		}
	}
}

// fixedPort reports whether local, the local address of a dial, has a port: two attempts at once
// cannot both bind it, so they go one after another.
func fixedPort(local unix.Sockaddr) bool {
	switch a := local.(type) {
	case *unix.SockaddrInet4:
		return a.Port != 0
	case *unix.SockaddrInet6:
		return a.Port != 0
	}
	return false
}

// fallbackDelay is how long a dial waits for an attempt to connect before it starts the next
// address's: net.Dialer's FallbackDelay, RFC 8305's Connection Attempt Delay.
const fallbackDelay = 300 * time.Millisecond

// dialTarget is an address to dial and the local address to bind for it (nil for none).
type dialTarget struct {
	sa, lsa unix.Sockaddr
}

// dialRace is one DialWith's connection attempts, all on one loop, which picks the winner: the
// first to connect opens, and the loop closes the others.
type dialRace struct {
	// res takes each attempt's result, at most one each; its room for all of them lets the loop
	// send without waiting.
	res      chan dialResult
	attempts []*Conn // loop-owned: the attempts registered
	done     bool    // loop-owned: one opened, or the dial gave up; close any other
}

// dialAttempt is what the loop knows of a connection still connecting (loop.dials).
type dialAttempt struct {
	r *dialRace
	t dialTarget
}

type dialResult struct {
	c   *Conn
	t   dialTarget
	err error
}

// retryable reports whether err, one attempt's, lets the dial go on with the next address: a
// socket's own failure, not Shutdown's nor the poller's.
func retryable(err error) bool {
	var se *os.SyscallError
	return errors.As(err, &se)
}

// interleave orders targets as RFC 8305 (section 4) does: the first one's family first, then
// alternating between the two families, each in the resolver's order.
func interleave(targets []dialTarget) []dialTarget {
	first := sockFamily(targets[0].sa)
	var a, b []dialTarget
	for _, t := range targets {
		if sockFamily(t.sa) == first {
			a = append(a, t)
		} else {
			b = append(b, t)
		}
	}
	if len(b) == 0 {
		return targets
	}
	out := make([]dialTarget, 0, len(targets))
	for i := 0; i < len(a) || i < len(b); i++ {
		if i < len(a) {
			out = append(out, a[i])
		}
		if i < len(b) {
			out = append(out, b[i])
		}
	}
	return out
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

// dialStart starts an attempt of r to connect to t: the socket connects without waiting, and lp
// watches it. An error is the socket's, or ErrClosed when the loop is gone.
func (l *Loop) dialStart(lp *loop, r *dialRace, t dialTarget, value any) error {
	family := sockFamily(t.sa)
	fd, err := socket(family)
	if err != nil {
		return os.NewSyscallError("socket", err)
	}
	if t.lsa != nil {
		if err := unix.Bind(fd, t.lsa); err != nil {
			unix.Close(fd)
			return os.NewSyscallError("bind", err)
		}
	}
	if family != unix.AF_UNIX && !l.cfg.TCPDelay {
		unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	}
	if err := unix.Connect(fd, t.sa); err != nil && err != unix.EINPROGRESS && err != unix.EINTR {
		unix.Close(fd)
		return os.NewSyscallError("connect", err)
	}
	c := &Conn{lp: lp, fd: int32(fd), ctx: value}
	if !lp.post(func() { lp.startDial(c, r, t) }) {
		unix.Close(fd)
		return ErrClosed
	}
	return nil
}

func (lp *loop) startDial(c *Conn, r *dialRace, t dialTarget) {
	fd := int(c.fd)
	if lp.draining || r.done {
		unix.Close(fd)
		c.storeState(stateClosed)
		if !r.done {
			r.res <- dialResult{c, t, ErrShutdown}
		}
		return
	}
	c.gen = lp.nextGen()
	if err := lp.p.add(fd, c.gen, false, true); err != nil {
		unix.Close(fd)
		c.storeState(stateClosed)
		r.res <- dialResult{c, t, err}
		return
	}
	c.flags = fRegW | fConnecting
	lp.insert(c)
	r.attempts = append(r.attempts, c)
	lp.dials[c] = dialAttempt{r, t}
}

func (lp *loop) finishDial(c *Conn) {
	fd := int(c.fd)
	a := lp.dials[c]
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
		a.r.res <- dialResult{c, a.t, os.NewSyscallError("connect", err)}
		return
	}
	// The winner: the other attempts never open. It stays in attempts for cancelRace, should
	// DialWith give up before it sees the result.
	a.r.done = true
	for _, o := range a.r.attempts {
		if _, ok := lp.dials[o]; ok {
			delete(lp.dials, o)
			lp.drop(o)
		}
	}
	c.flags = fRegR
	lp.stats.dialed.Add(1)
	lp.open(c, netip.AddrPort{})
	a.r.res <- dialResult{c, a.t, nil}
}

// cancelRace ends the dial r, given up with err: its attempts still connecting are closed, and the
// one that opened meanwhile, which DialWith will not return, is closed with err.
func (lp *loop) cancelRace(r *dialRace, err error) {
	r.done = true
	for _, c := range r.attempts {
		if _, ok := lp.dials[c]; ok {
			delete(lp.dials, c)
			lp.drop(c)
		} else if c.loadState() != stateClosed {
			lp.closeConn(c, err)
		}
	}
	r.attempts = nil
}

// drop removes a connection that never opened.
func (lp *loop) drop(c *Conn) {
	lp.l.fds.set(int(c.fd), nil)
	lp.nconns--
	c.storeState(stateClosed)
	unix.Close(int(c.fd))
}
