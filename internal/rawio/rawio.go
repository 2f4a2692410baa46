package rawio

import (
	"io"
	"net"
	"os"
	"sync"
	"syscall"
)

// RawConn returns nc's syscall.RawConn when its reads and writes can go
// around nc: plain TCP and Unix stream sockets on Unix (not TLS, whose
// records need nc). Elsewhere, or for other connections, it returns nil.
func RawConn(nc net.Conn) syscall.RawConn {
	if !supported {
		return nil
	}
	switch nc.(type) {
	case *net.TCPConn, *net.UnixConn:
	default:
		return nil
	}
	rc, err := nc.(syscall.Conn).SyscallConn()
	if err != nil {
		return nil
	}
	return rc
}

// op is the state of one Read or Write: pooled, with its step function
// bound once, so neither allocates.
type op struct {
	read  func(fd uintptr) bool
	write func(fd uintptr) bool
	b     []byte
	n     int
	err   error
}

var ops = sync.Pool{New: func() any {
	o := new(op)
	o.read, o.write = o.readStep, o.writeStep
	return o
}}

func (o *op) readStep(fd uintptr) bool {
	for {
		n, err := Sysread(int(fd), o.b)
		switch err {
		case nil:
			o.n = n
			return true
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false
		}
		o.err = err
		return true
	}
}

func (o *op) writeStep(fd uintptr) bool {
	for len(o.b) > 0 {
		n, err := Syswrite(int(fd), o.b)
		switch err {
		case nil:
			o.n += n
			o.b = o.b[n:]
			continue
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false
		}
		o.err = err
		return true
	}
	return true
}

// Read reads into p once data is there, like net.Conn's Read, and returns
// io.EOF at the end of the stream. Errors of the wait (deadline, closed
// connection) come from rc; those of read(2) as *os.SyscallError.
func Read(rc syscall.RawConn, p []byte) (int, error) {
	o := ops.Get().(*op)
	o.b, o.n, o.err = p, 0, nil
	err := rc.Read(o.read)
	n, serr := o.n, o.err
	o.b, o.err = nil, nil
	ops.Put(o)
	if err != nil {
		return 0, err
	}
	if serr != nil {
		return 0, os.NewSyscallError("read", serr)
	}
	if n == 0 && len(p) > 0 {
		return 0, io.EOF
	}
	return n, nil
}

// Write writes all of b, waiting while the socket's buffer is full, like
// net.Conn's Write. It returns how much was written before an error.
func Write(rc syscall.RawConn, b []byte) (int, error) {
	o := ops.Get().(*op)
	o.b, o.n, o.err = b, 0, nil
	err := rc.Write(o.write)
	n, serr := o.n, o.err
	o.b, o.err = nil, nil
	ops.Put(o)
	if err == nil && serr != nil {
		err = os.NewSyscallError("write", serr)
	}
	return n, err
}

// WriteConn writes b through rc when it is not nil (RawConn(nc)) and the
// raw path is on, else with nc.Write.
func WriteConn(nc net.Conn, rc syscall.RawConn, b []byte) (int, error) {
	if rc != nil && enabled {
		return Write(rc, b)
	}
	return nc.Write(b)
}

// Sysread reads from the socket fd once, without waiting: with nothing to
// read it fails with EAGAIN, as it must inside a syscall.RawConn's Read
// (or an event loop). With the raw path on (see the package doc) it does
// so even if the socket's O_NONBLOCK flag was cleared; off, it is
// read(2) through package syscall, which then blocks (with the
// scheduler's bookkeeping) as net.Conn's Read does. fd must be a
// socket: on Linux the raw path fails with ENOTSOCK on anything else.
func Sysread(fd int, p []byte) (int, error) {
	if enabled {
		return recvNow(fd, p)
	}
	return readPlain(fd, p)
}

// Syswrite writes to the socket fd once, without waiting, as Sysread
// reads: it writes what fits in the socket's buffer and fails with EAGAIN
// when nothing does. A peer that has gone away is EPIPE (on the raw path
// without a SIGPIPE). fd must be a socket.
func Syswrite(fd int, p []byte) (int, error) {
	if enabled {
		return sendNow(fd, p)
	}
	return writePlain(fd, p)
}

// Enabled reports whether the raw path is on (see the package doc: the
// platform has one, and neither AUTOBAHN_RAWIO=off nor the
// autobahn_norawio tag turned it off). Other packages that make raw,
// non-blocking system calls of their own (eventloop's epoll_wait with
// timeout 0) follow it, so that one switch turns every raw call off.
func Enabled() bool { return enabled }
