package ws

import (
	"io"
	"os"
	"syscall"

	"github.com/autobahn-go/autobahn/internal/rawio"
)

// Reads and writes of plain TCP and Unix connections go around net.Conn,
// through the socket's syscall.RawConn (c.p.rc; rawio.RawConn finds it):
// reads so that an idle connection holds no read buffer, and both so that
// they skip the scheduler's system call bookkeeping where package rawio
// does (its calls never block, even on a socket whose O_NONBLOCK someone
// cleared; AUTOBAHN_RAWIO=off or the autobahn_norawio tag turn that off:
// reads then go through package syscall, writes through nc). c.p.rc's fd is
// always a socket, as rawio requires.

// readRaw reads through the runtime's poller like net.Conn.Read, but takes
// a pooled buffer only once input is there: while it waits, an idle
// connection holds no read buffer. It costs no extra system call (a read
// that would block is how net.Conn.Read finds out it must wait, too).
// Deadlines apply as for Read.
func (c *Conn) readRaw() (int, error) {
	r := &c.p.raw
	if r.fn == nil {
		r.fn = c.rawStep // made once: a read allocates nothing
	}
	r.n, r.err = 0, nil
	err := c.p.rc.Read(r.fn)
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
	r := &c.p.raw
	if c.p.rbig == nil {
		c.p.rbig = getBuf(c.opts.ReadBufferSize)
		c.p.rbuf = (*c.p.rbig)[:c.opts.ReadBufferSize]
	}
	for {
		r.n, r.err = rawio.Sysread(int(fd), c.p.rbuf)
		if r.err != syscall.EINTR {
			break
		}
	}
	if r.err == syscall.EAGAIN {
		putBuf(c.p.rbig)
		c.p.rbig, c.p.rbuf = nil, nil
		return false
	}
	return true
}

// writeNC writes b to the connection, around nc where reads are raw.
func (c *Conn) writeNC(b []byte) (int, error) { return rawio.WriteConn(c.nc, c.p.rc, b) }
