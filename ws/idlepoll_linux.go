//go:build linux

package ws

import (
	"os"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// idlePollOK: AwaitInputFunc can wait without a goroutine here.
const idlePollOK = true

// idlePoll watches the sockets of connections waiting in AwaitInputFunc:
// an epoll instance of its own (a socket may be in the runtime's too),
// each socket in it once, EPOLLONESHOT, keyed by a number that is never
// reused (so a late event of a socket whose number was closed and reused
// finds no waiter). The epoll instance is itself in the runtime's poller
// (an os.File): one goroutine waits on it, parked like any reader, no
// thread blocked in epoll_wait, while any connection waits, and ends when
// none does; it only starts the waiters' goroutines. A waiter costs an
// entry in waits (the connection, f) and the kernel's epitem.
var idlePoll idlePoller

type idlePoller struct {
	mu      sync.Mutex
	epfd    int      // made on first use, kept for the life of the process
	file    *os.File // epfd's, for the runtime's poller (and keeping it open)
	rc      syscall.RawConn
	evfd    int // eventfd: wakes the goroutine to end it (no waiters left)
	err     error
	next    uint64 // the last key given out
	waits   map[uint64]idleWait
	running bool // the goroutine runs (or is about to)
	evs     [128]unix.EpollEvent
}

type idleWait struct {
	c *Conn
	f func()
}

// init makes the epoll instance; p.mu held.
func (p *idlePoller) init() error {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return err
	}
	p.evfd, err = unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err == nil {
		err = unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, p.evfd, &unix.EpollEvent{Events: unix.EPOLLIN})
	}
	if err == nil {
		err = unix.SetNonblock(epfd, true) // so that os.NewFile puts it in the runtime's poller
	}
	if err != nil {
		_ = unix.Close(epfd)
		return err
	}
	p.epfd = epfd
	p.file = os.NewFile(uintptr(epfd), "ws-idlepoll")
	p.rc, err = p.file.SyscallConn()
	return err
}

// idleAdd registers c's socket and f; false if it cannot (the caller
// waits as before).
func idleAdd(c *Conn, f func()) bool {
	p := &idlePoll
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.file == nil && p.err == nil {
		p.err = p.init()
	}
	if p.err != nil {
		return false
	}
	p.next++
	key := p.next
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLONESHOT, Fd: int32(uint32(key)), Pad: int32(uint32(key >> 32))}
	var cerr error
	err := c.p.rc.Control(func(fd uintptr) { cerr = unix.EpollCtl(p.epfd, unix.EPOLL_CTL_ADD, int(fd), &ev) })
	if err != nil || cerr != nil {
		return false // closed already, or the kernel refused: wait as before
	}
	if p.waits == nil {
		p.waits = map[uint64]idleWait{}
	}
	p.waits[key] = idleWait{c, f}
	c.p.idleKey = key
	if !p.running {
		p.running = true
		go p.loop()
	}
	return true
}

// idleCancel wakes c's waiter, if any: c is ending, and a closed socket
// leaves the epoll set without an event. Call it before closing nc.
func idleCancel(c *Conn) {
	p := &idlePoll
	p.mu.Lock()
	w, ok := p.take(c.p.idleKey)
	p.mu.Unlock()
	if ok {
		go w.c.idleWoke(w.f)
	}
}

// take removes the waiter of key and its socket from the set; p.mu held.
func (p *idlePoller) take(key uint64) (idleWait, bool) {
	w, ok := p.waits[key]
	if key == 0 || !ok {
		return idleWait{}, false
	}
	delete(p.waits, key)
	w.c.p.idleKey = 0
	_ = w.c.p.rc.Control(func(fd uintptr) { _ = unix.EpollCtl(p.epfd, unix.EPOLL_CTL_DEL, int(fd), nil) })
	if len(p.waits) == 0 {
		p.waits = nil // let a crowd's map go
		one := [8]byte{1}
		_, _ = unix.Write(p.evfd, one[:]) // the goroutine ends
	}
	return w, true
}

// loop takes the sockets' events and starts their waiters' goroutines
// until no waiter is left; between events it waits in the runtime's poller.
func (p *idlePoller) loop() {
	for {
		end := false
		err := p.rc.Read(func(uintptr) bool {
			p.mu.Lock()
			defer p.mu.Unlock()
			for {
				n, err := unix.EpollWait(p.epfd, p.evs[:], 0)
				if err == unix.EINTR {
					continue
				}
				if err != nil {
					// Not expected of a valid epoll instance: wake
					// every waiter rather than leave them waiting.
					for key := range p.waits {
						w, _ := p.take(key)
						go w.c.idleWoke(w.f)
					}
				}
				var drain [8]byte
				for _, ev := range p.evs[:max(n, 0)] {
					key := uint64(uint32(ev.Fd)) | uint64(uint32(ev.Pad))<<32
					if key == 0 { // the eventfd's
						_, _ = unix.Read(p.evfd, drain[:])
						continue
					}
					if w, ok := p.take(key); ok {
						go w.c.idleWoke(w.f)
					}
				}
				if len(p.waits) == 0 {
					p.running, end = false, true
					return true
				}
				if n < len(p.evs) {
					return false // all taken: wait for more
				}
			}
		})
		if err != nil {
			// Not expected (the file is never closed; Linux polls epoll
			// instances): wake every waiter, and AwaitInputFunc refuses
			// from now on.
			p.mu.Lock()
			p.err = err
			for key := range p.waits {
				w, _ := p.take(key)
				go w.c.idleWoke(w.f)
			}
			p.running = false
			p.mu.Unlock()
			return
		}
		if end {
			return
		}
	}
}

func idleWaiters() int {
	idlePoll.mu.Lock()
	defer idlePoll.mu.Unlock()
	return len(idlePoll.waits)
}
