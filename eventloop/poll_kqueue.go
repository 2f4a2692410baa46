//go:build (darwin || freebsd || netbsd || openbsd || dragonfly) && !eventloop_goroutines

package eventloop

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// poller is the kqueue of one loop plus a pipe for wake-ups. The ident of every registration is the
// fd itself and udata stays nil: no Go pointer reaches the kernel. Udata is a pointer on most of these
// systems, so it cannot carry the connection's generation as the epoll data does (a number stored in a
// pointer field of a Go-heap array could look like a bad pointer to the garbage collector); the loop
// tells stale events apart by the batch a connection was registered in instead (pollerGen false).
type poller struct {
	fd      int
	wakeR   int
	wakeW   int
	events  []unix.Kevent_t
	changes []unix.Kevent_t
}

func newPoller(size int) (*poller, error) {
	// Under ForkLock until they are close-on-exec, so that a fork of os/exec meanwhile does not
	// leak them into the child (darwin has no pipe2; once a loop, it costs nothing to share).
	syscall.ForkLock.RLock()
	fd, err := unix.Kqueue()
	if err != nil {
		syscall.ForkLock.RUnlock()
		return nil, err
	}
	unix.CloseOnExec(fd)
	var pp [2]int
	if err := unix.Pipe(pp[:]); err != nil {
		syscall.ForkLock.RUnlock()
		unix.Close(fd)
		return nil, err
	}
	unix.CloseOnExec(pp[0])
	unix.CloseOnExec(pp[1])
	syscall.ForkLock.RUnlock()
	for _, f := range pp {
		if err := unix.SetNonblock(f, true); err != nil {
			unix.Close(fd)
			unix.Close(pp[0])
			unix.Close(pp[1])
			return nil, err
		}
	}
	p := &poller{fd: fd, wakeR: pp[0], wakeW: pp[1], events: make([]unix.Kevent_t, size)}
	if err := p.add(p.wakeR, 0, true, false); err != nil {
		p.close()
		return nil, err
	}
	return p, nil
}

func (p *poller) close() {
	unix.Close(p.wakeR)
	unix.Close(p.wakeW)
	unix.Close(p.fd)
}

// park does nothing with kqueue: wait blocks its thread in kevent.
func (p *poller) park() {}

func (p *poller) change(fd int, filter, flags int) {
	var ev unix.Kevent_t
	unix.SetKevent(&ev, fd, filter, flags)
	p.changes = append(p.changes, ev)
}

func (p *poller) apply() error {
	if len(p.changes) == 0 {
		return nil
	}
	_, err := unix.Kevent(p.fd, p.changes, nil, nil)
	p.changes = p.changes[:0]
	return err
}

// pollerGen says that event reports the generation given to add and mod: not with kqueue.
const pollerGen = false

func (p *poller) add(fd int, gen uint32, read, write bool) error {
	return p.mod(fd, gen, false, false, read, write)
}

// mod changes the interest set of fd from (oldR, oldW) to (read, write).
func (p *poller) mod(fd int, _ uint32, oldR, oldW, read, write bool) error {
	if read != oldR {
		if read {
			p.change(fd, unix.EVFILT_READ, unix.EV_ADD)
		} else {
			p.change(fd, unix.EVFILT_READ, unix.EV_DELETE)
		}
	}
	if write != oldW {
		if write {
			p.change(fd, unix.EVFILT_WRITE, unix.EV_ADD)
		} else {
			p.change(fd, unix.EVFILT_WRITE, unix.EV_DELETE)
		}
	}
	return p.apply()
}

func (p *poller) del(fd int, oldR, oldW bool) error {
	return p.mod(fd, 0, oldR, oldW, false, false)
}

// wait returns the number of ready events; msec < 0 blocks.
func (p *poller) wait(msec int) (int, error) {
	var ts *unix.Timespec
	if msec >= 0 {
		t := unix.NsecToTimespec(int64(msec) * 1e6)
		ts = &t
	}
	n, err := unix.Kevent(p.fd, nil, p.events, ts)
	if err != nil {
		if err == unix.EINTR {
			err = nil
		}
		return 0, err
	}
	return n, nil
}

// event decodes ready event i. A read filter with EV_EOF still reports readable: the read returns
// the rest of the data and then EOF. The generation is always 0 (see pollerGen).
func (p *poller) event(i int) (fd int, gen uint32, readable, writable, hangup bool) {
	ev := &p.events[i]
	fd = int(ev.Ident)
	switch ev.Filter {
	case unix.EVFILT_READ:
		readable = true
	case unix.EVFILT_WRITE:
		writable = true
	}
	hangup = ev.Flags&unix.EV_ERROR != 0
	return fd, 0, readable, writable, hangup
}

var wakeBytes = [1]byte{1}

func (p *poller) wake() {
	// EAGAIN: the pipe is full, a wake-up is pending anyway.
	unix.Write(p.wakeW, wakeBytes[:])
}

func (p *poller) drainWake() {
	var b [64]byte
	for {
		n, err := unix.Read(p.wakeR, b[:])
		if n <= 0 || err != nil {
			return
		}
	}
}

// SO_REUSEPORT does not spread connections over sockets on the BSDs: one listener, in loop 0, hands
// the accepted connections to the loops in turn.
const reusePortBalances = false

func (p *poller) wakeFD() int { return p.wakeR }

func readFD(fd int, p []byte) (int, error)  { return unix.Read(fd, p) }
func writeFD(fd int, p []byte) (int, error) { return unix.Write(fd, p) }
