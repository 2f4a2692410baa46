//go:build linux && !eventloop_goroutines

package eventloop

import (
	"golang.org/x/sys/unix"

	"github.com/autobahn-go/autobahn/internal/rawio"
)

// poller is the epoll instance of one loop plus its eventfd for wake-ups.
// The epoll data of every registration is the fd (low 32 bits) and the generation of the connection
// that holds it (high 32 bits; 0 for listeners and the eventfd): no Go pointer reaches the kernel, and
// an event batched for a connection closed since is told apart from one for a new connection that
// got the same fd number.
type poller struct {
	fd     int
	wakeFd int
	events []unix.EpollEvent
}

func newPoller(size int) (*poller, error) {
	fd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	wfd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		unix.Close(fd)
		return nil, err
	}
	p := &poller{fd: fd, wakeFd: wfd, events: make([]unix.EpollEvent, size)}
	if err := p.add(wfd, 0, true, false); err != nil {
		p.close()
		return nil, err
	}
	return p, nil
}

func (p *poller) close() {
	unix.Close(p.wakeFd)
	unix.Close(p.fd)
}

func epollMask(read, write bool) uint32 {
	var m uint32
	if read {
		m |= unix.EPOLLIN
	}
	if write {
		m |= unix.EPOLLOUT
	}
	return m
}

// pollerGen says that event reports the generation given to add and mod.
const pollerGen = true

func (p *poller) add(fd int, gen uint32, read, write bool) error {
	ev := unix.EpollEvent{Events: epollMask(read, write), Fd: int32(fd), Pad: int32(gen)}
	return unix.EpollCtl(p.fd, unix.EPOLL_CTL_ADD, fd, &ev)
}

// mod changes the interest set of fd from (oldR, oldW) to (read, write).
func (p *poller) mod(fd int, gen uint32, _, _, read, write bool) error {
	ev := unix.EpollEvent{Events: epollMask(read, write), Fd: int32(fd), Pad: int32(gen)}
	return unix.EpollCtl(p.fd, unix.EPOLL_CTL_MOD, fd, &ev)
}

func (p *poller) del(fd int, _, _ bool) error {
	return unix.EpollCtl(p.fd, unix.EPOLL_CTL_DEL, fd, nil)
}

// wait returns the number of ready events; msec < 0 blocks.
func (p *poller) wait(msec int) (int, error) {
	n, err := unix.EpollWait(p.fd, p.events, msec)
	if err != nil {
		if err == unix.EINTR {
			err = nil
		}
		return 0, err
	}
	return n, nil
}

// event decodes ready event i: the fd and generation registered, and what is ready.
func (p *poller) event(i int) (fd int, gen uint32, readable, writable, hangup bool) {
	ev := &p.events[i]
	return int(ev.Fd), uint32(ev.Pad), ev.Events&unix.EPOLLIN != 0, ev.Events&unix.EPOLLOUT != 0,
		ev.Events&(unix.EPOLLHUP|unix.EPOLLERR) != 0
}

var wakeBytes = [8]byte{1}

func (p *poller) wake() {
	// EAGAIN only when the counter is saturated: a wake-up is pending anyway.
	unix.Write(p.wakeFd, wakeBytes[:])
}

func (p *poller) drainWake() {
	var b [8]byte
	unix.Read(p.wakeFd, b[:])
}

// socket returns a non-blocking, close-on-exec stream socket.
func socket(family int) (int, error) {
	return unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
}

// accept returns a non-blocking, close-on-exec connection. It passes no address buffer, so it
// allocates nothing.
func accept(fd int) (int, error) {
	for {
		nfd, _, e := unix.Syscall6(unix.SYS_ACCEPT4, uintptr(fd), 0, 0, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0, 0)
		if e == unix.EINTR {
			continue
		}
		if e != 0 {
			return -1, e
		}
		return int(nfd), nil
	}
}

const reusePortBalances = true

func writev(_ *[]byte, fd int, bufs [][]byte) (int, error) {
	return unix.Writev(fd, bufs)
}

func (p *poller) wakeFD() int { return p.wakeFd }

// readFD and writeFD read and write a connection's socket once, without waiting (EAGAIN when it
// would block), through package rawio: on the architectures it knows, recvfrom/sendto with
// MSG_DONTWAIT and without the scheduler's syscall bookkeeping, non-blocking even if someone cleared
// the socket's O_NONBLOCK (a parked thread would hold its P and stall the next GC); the fds are
// always sockets, as rawio requires.
func readFD(fd int, p []byte) (int, error) { return rawio.Sysread(fd, p) }

func writeFD(fd int, p []byte) (int, error) { return rawio.Syswrite(fd, p) }
