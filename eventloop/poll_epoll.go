//go:build linux && !eventloop_goroutines

package eventloop

import (
	"errors"
	"os"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/autobahn-go/autobahn/internal/rawio"
)

// poller is the epoll instance of one loop plus its eventfd for wake-ups.
// The epoll data of every registration is the fd (low 32 bits) and the generation of the connection
// that holds it (high 32 bits; 0 for listeners and the eventfd): no Go pointer reaches the kernel, and
// an event batched for a connection closed since is told apart from one for a new connection that
// got the same fd number.
//
// After park, wait parks the goroutine on the Go runtime's netpoller rather than blocking its thread
// in epoll_wait (see park).
type poller struct {
	fd     int
	wakeFd int
	events []unix.EpollEvent

	file     *os.File        // owns fd once park wrapped it; nil before
	raw      syscall.RawConn // file's, when the runtime polls it; nil: wait blocks in epoll_wait
	pollFn   func(uintptr) bool
	deadline bool // file has a read deadline set
	busy     int  // polls without timeout since the last park
	n        int  // pollFn's results
	err      error
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
	if p.file != nil {
		p.file.Close() // closes fd: file owns it
		return
	}
	unix.Close(p.fd)
}

// park makes wait (with a timeout other than 0) park the calling goroutine on the Go runtime's
// netpoller instead of blocking its thread in epoll_wait. A goroutine blocked in a system call keeps
// its thread, and the runtime hands the thread's P to another thread when the call lasts; getting a
// P back on return costs thread hand-offs and context switches per wake-up, most at light load with
// GOMAXPROCS=1. The epoll fd is itself pollable (readable while its ready list is not empty), so the
// runtime's poller can wait for it: the runtime registers it edge-triggered, and an edge comes each
// time an event joins the ready list. wait parks only after an epoll_wait(0) found the list empty,
// inside the same RawConn.Read call that reset the readiness, so no event slips between the two.
// The wake eventfd is in the set, so wake-ups from other goroutines end the park too.
// The loop must not call park when its goroutine is locked to its thread (parking would hand the
// thread off anyway). If the runtime cannot poll the fd, wait keeps blocking in epoll_wait.
func (p *poller) park() {
	if p.file != nil || unix.SetNonblock(p.fd, true) != nil {
		return
	}
	// From here the file owns fd: close closes it through the file, once.
	p.file = os.NewFile(uintptr(p.fd), "epoll")
	raw, err := p.file.SyscallConn()
	// SetReadDeadline fails (ErrNoDeadline) when the fd is not on the runtime's poller.
	if err != nil || p.file.SetReadDeadline(time.Time{}) != nil {
		return
	}
	p.raw = raw
	p.pollFn = p.poll
}

// poll is the RawConn.Read callback of wait: done when epoll_wait(0) returned events or failed.
func (p *poller) poll(fd uintptr) bool {
	p.n, p.err = epollWaitNow(int(fd), p.events)
	return p.n != 0 || p.err != nil
}

// sysmonBusyPolls is how many polls in a row without parking use epollWaitNow; after that, a
// loop under load polls through the scheduler's syscall path again, which wakes a sleeping sysmon
// thread: it preempts goroutines that run long (so a loop busy for long lets others run) and
// retakes Ps from blocked system calls. A callback that computes for long right after a park is
// not preempted until sysmon wakes (at its next syscall-path call or the runtime's next timer).
const sysmonBusyPolls = 64

// epollWaitNow is epoll_wait with timeout 0 as a raw system call. It never blocks, so it skips the
// scheduler's syscall bookkeeping, whose entry wakes the runtime's sysmon thread when it sleeps
// (it does whenever every P is idle): a context switch and a few more sysmon ticks for every
// wake-up of a parked loop at light load.
// Without rawio's raw path (AUTOBAHN_RAWIO=off, the autobahn_norawio tag, sanitizer builds) it is
// the ordinary call.
func epollWaitNow(fd int, events []unix.EpollEvent) (int, error) {
	if !rawio.Enabled() {
		return unix.EpollWait(fd, events, 0)
	}
	r, _, e := unix.RawSyscall6(unix.SYS_EPOLL_PWAIT, uintptr(fd), uintptr(unsafe.Pointer(&events[0])),
		uintptr(len(events)), 0, 0, 0)
	if e != 0 {
		return 0, e
	}
	return int(r), nil
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
	if p.raw != nil {
		if msec != 0 {
			p.busy = 0
			return p.waitParked(msec)
		}
		if p.busy < sysmonBusyPolls {
			p.busy++
			n, err := epollWaitNow(p.fd, p.events)
			if err == unix.EINTR {
				err = nil
			}
			return n, err
		}
	}
	n, err := unix.EpollWait(p.fd, p.events, msec)
	if err != nil {
		if err == unix.EINTR {
			err = nil
		}
		return 0, err
	}
	return n, nil
}

// waitParked is wait on the runtime's netpoller (see park): msec > 0 becomes a read deadline, whose
// expiry returns no events.
func (p *poller) waitParked(msec int) (int, error) {
	if msec > 0 {
		if err := p.file.SetReadDeadline(time.Now().Add(time.Duration(msec) * time.Millisecond)); err != nil {
			return 0, err
		}
		p.deadline = true
	} else if p.deadline {
		if err := p.file.SetReadDeadline(time.Time{}); err != nil {
			return 0, err
		}
		p.deadline = false
	}
	p.n, p.err = 0, nil
	if err := p.raw.Read(p.pollFn); err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return 0, nil
		}
		return 0, err
	}
	if p.err != nil {
		if p.err == unix.EINTR {
			return 0, nil
		}
		return 0, p.err
	}
	return p.n, nil
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

// drainWake reads the eventfd, non-blocking, as a raw system call (see epollWaitNow).
func (p *poller) drainWake() {
	var b [8]byte
	if !rawio.Enabled() {
		unix.Read(p.wakeFd, b[:])
		return
	}
	unix.RawSyscall(unix.SYS_READ, uintptr(p.wakeFd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
}

// socket returns a non-blocking, close-on-exec stream socket.
func socket(family int) (int, error) {
	return unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
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
