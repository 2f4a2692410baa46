//go:build linux

package idlepoll

import (
	"os"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// Supported reports whether Add can register sockets on this system.
const Supported = true

// thePoller is the process's one poller (doc.go).
var thePoller poller

type poller struct {
	mu      sync.Mutex
	epfd    int      // made on first use, kept for the life of the process
	file    *os.File // epfd's, for the runtime's poller (and keeping it open)
	rc      syscall.RawConn
	evfd    int // eventfd, key 0: wakes the goroutine to end it (no waiters left)
	err     error
	next    Key // the last key given out
	waits   map[Key]waiter
	running bool   // the goroutine runs (or is about to)
	stray   uint64 // events whose key had no waiter (left by Cancel): for tests
	evs     [128]unix.EpollEvent
}

type waiter struct {
	rc syscall.RawConn
	f  func()
}

// init makes the epoll instance; p.mu held.
func (p *poller) init() error {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return err
	}
	p.evfd, err = unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err == nil {
		err = unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, p.evfd, &unix.EpollEvent{Events: unix.EPOLLIN})
		if err != nil {
			_ = unix.Close(p.evfd)
		}
	}
	if err == nil {
		err = unix.SetNonblock(epfd, true) // so that os.NewFile puts it in the runtime's poller
	}
	if err != nil {
		_ = unix.Close(epfd)
		return err
	}
	p.epfd = epfd
	p.file = os.NewFile(uintptr(epfd), "idlepoll")
	p.rc, err = p.file.SyscallConn()
	return err
}

// Add registers the socket of rc: f runs on a new goroutine, once, when
// the socket is readable or hung up, or when Cancel(key) takes the
// registration back. ok is false, and f never runs, where it cannot
// register (rc closed, a descriptor epoll does not poll, the poller
// unavailable): then wait as before. The socket must stay open while it
// waits: Cancel before closing it.
func Add(rc syscall.RawConn, f func()) (key Key, ok bool) {
	p := &thePoller
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.file == nil && p.err == nil {
		p.err = p.init()
	}
	if p.err != nil {
		return 0, false
	}
	p.next++
	key = p.next
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLONESHOT, Fd: int32(uint32(key)), Pad: int32(uint32(key >> 32))}
	var cerr error
	err := rc.Control(func(fd uintptr) { cerr = unix.EpollCtl(p.epfd, unix.EPOLL_CTL_ADD, int(fd), &ev) })
	if err != nil || cerr != nil {
		return 0, false
	}
	if p.waits == nil {
		p.waits = map[Key]waiter{}
	}
	p.waits[key] = waiter{rc, f}
	if !p.running {
		p.running = true
		go p.loop()
	}
	return key, true
}

// Cancel takes back the registration of key and starts its function on a
// new goroutine; false, and nothing runs, if key waits no more (its
// function has been started already) or is 0. Call it before closing the
// socket: a closed descriptor leaves the epoll set without an event.
func Cancel(key Key) bool {
	p := &thePoller
	p.mu.Lock()
	w, ok := p.take(key)
	p.mu.Unlock()
	if ok {
		go w.f()
	}
	return ok
}

// take removes the waiter of key and its socket from the set; p.mu held.
func (p *poller) take(key Key) (waiter, bool) {
	w, ok := p.waits[key]
	if key == 0 || !ok {
		return waiter{}, false
	}
	delete(p.waits, key)
	_ = w.rc.Control(func(fd uintptr) { _ = unix.EpollCtl(p.epfd, unix.EPOLL_CTL_DEL, int(fd), nil) })
	if len(p.waits) == 0 {
		p.waits = nil // let a crowd's map go
		one := [8]byte{1}
		_, _ = unix.Write(p.evfd, one[:]) // the goroutine ends
	}
	return w, true
}

// wakeAll starts every waiter's function; p.mu held.
func (p *poller) wakeAll() {
	for key := range p.waits {
		w, _ := p.take(key)
		go w.f()
	}
}

// loop takes the sockets' events and starts their waiters' functions
// until no waiter is left; between events it waits in the runtime's
// poller.
func (p *poller) loop() {
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
					p.wakeAll()
				}
				p.dispatch(p.evs[:max(n, 0)])
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
			// instances): wake every waiter, and Add refuses from now on.
			p.mu.Lock()
			p.err = err
			p.wakeAll()
			p.running = false
			p.mu.Unlock()
			return
		}
		if end {
			return
		}
	}
}

// dispatch starts the functions of the waiters whose sockets have events;
// p.mu held. An event whose key has no waiter comes from a socket whose
// registration Cancel took back but could not remove from the set (its
// descriptor closed while another descriptor kept the socket open): it
// wakes no one, even if the descriptor's number now belongs to another
// waiting socket.
func (p *poller) dispatch(evs []unix.EpollEvent) {
	for _, ev := range evs {
		key := Key(uint32(ev.Fd)) | Key(uint32(ev.Pad))<<32
		if key == 0 { // the eventfd's
			var drain [8]byte
			_, _ = unix.Read(p.evfd, drain[:])
			continue
		}
		if w, ok := p.take(key); ok {
			go w.f()
		} else {
			p.stray++
		}
	}
}

func waiters() int {
	p := &thePoller
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.waits)
}
