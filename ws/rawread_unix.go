//go:build unix

package ws

import (
	"crypto/tls"
	"io"
	"net"
	"os"
	"syscall"
)

// rawConn returns nc's syscall.RawConn when reads can bypass nc.Read: plain
// TCP and Unix stream sockets (not TLS, whose records need nc.Read).
func rawConn(nc net.Conn) syscall.RawConn {
	if _, ok := nc.(*tls.Conn); ok {
		return nil
	}
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return nil
	}
	switch nc.(type) {
	case *net.TCPConn, *net.UnixConn:
	default:
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return rc
}

// readRaw reads through the runtime's poller like net.Conn.Read, but takes
// a pooled buffer only once input is there: while it waits, an idle
// connection holds no read buffer. It costs no extra system call (a read
// that would block is how net.Conn.Read finds out it must wait, too).
// Deadlines apply as for Read.
func (c *Conn) readRaw() (int, error) {
	r := &c.raw
	if r.fn == nil {
		r.fn = c.rawStep // made once: a read allocates nothing
	}
	r.n, r.err = 0, nil
	err := c.rc.Read(r.fn)
	n, serr := r.n, r.err
	r.err = nil
	switch {
	case err != nil:
		return 0, err
	case serr != nil:
		return 0, os.NewSyscallError("read", serr)
	case n == 0:
		return 0, io.EOF
	}
	return n, nil
}

// rawStep is one attempt of readRaw; false means wait for input.
func (c *Conn) rawStep(fd uintptr) bool {
	r := &c.raw
	if c.rbig == nil {
		c.rbig = getBuf(c.opts.ReadBufferSize)
		c.rbuf = (*c.rbig)[:c.opts.ReadBufferSize]
	}
	for {
		r.n, r.err = syscall.Read(int(fd), c.rbuf)
		if r.err != syscall.EINTR {
			break
		}
	}
	if r.err == syscall.EAGAIN {
		putBuf(c.rbig)
		c.rbig, c.rbuf = nil, nil
		return false
	}
	return true
}
