//go:build (linux || darwin || freebsd || netbsd || openbsd || dragonfly) && !eventloop_goroutines

package eventloop

import (
	"io"
	"net"
	"net/netip"
	"sync"
)

// connIO holds a connection's input that OnData left unconsumed, its output the kernel
// refused, an uncommon close error and a deadline or idle time too far ahead for the 32 bits of
// Conn.deadline or Conn.idleAt. It is made the first time there is some and then kept (the
// buffers themselves are dropped once empty): a connection that never had any, the common idle
// case, carries one pointer instead of two slices, an error and two times. The loop's alone.
type connIO struct {
	in          []byte // input OnData left unconsumed
	out         []byte // output the kernel refused
	closeErr    error  // why the connection closes, when not io.EOF or ErrShutdown (fErrOther)
	farDeadline int64  // loop time, with fFarDeadline
	farIdle     int64  // loop time, with fFarIdle
}

// ioMake returns c.io, made if need be.
func (c *Conn) ioMake() *connIO {
	if c.io == nil {
		c.io = new(connIO)
	}
	return c.io
}

// setCloseError records why c closes (nil: a Close, no error). The common errors are kept as
// flags, the others in c.io.
func (c *Conn) setCloseError(err error) {
	c.flags &^= fErrs
	if c.io != nil {
		c.io.closeErr = nil
	}
	switch err {
	case nil:
	case io.EOF:
		c.flags |= fErrEOF
	case ErrShutdown:
		c.flags |= fErrShutdown
	default:
		c.flags |= fErrOther
		c.ioMake().closeErr = err
	}
}

// closeError returns what setCloseError recorded.
func (c *Conn) closeError() error {
	switch {
	case c.flags&fErrEOF != 0:
		return io.EOF
	case c.flags&fErrShutdown != 0:
		return ErrShutdown
	case c.flags&fErrOther != 0 && c.io != nil:
		return c.io.closeErr
	}
	return nil
}

func (c *Conn) inBuf() []byte {
	if c.io == nil {
		return nil
	}
	return c.io.in
}

func (c *Conn) outBuf() []byte {
	if c.io == nil {
		return nil
	}
	return c.io.out
}

func (c *Conn) setIn(b []byte) {
	if c.io == nil {
		if len(b) == 0 {
			return
		}
		c.io = new(connIO)
	}
	c.io.in = b
}

func (c *Conn) setOut(b []byte) {
	if c.io == nil {
		if len(b) == 0 {
			return
		}
		c.io = new(connIO)
	}
	c.io.out = b
}

// connRare holds what few connections need and other goroutines read: the
// addresses that do not fit inline and what AsyncWrite accepted, with the
// lock that guards it. It is made when the connection opens (with far) or
// by the first AsyncWrite (see rareMake), and then kept while the Conn
// lives: a connection that needs neither, the common case, carries one
// pointer instead of a pointer, a slice and a lock.
//
// AsyncWrite makes rare before it checks, under mu, that the connection is
// open; closeConn marks it closed before it looks for rare. So when
// closeConn finds no rare, no AsyncWrite can accept data any more, and
// when it finds one, it takes mu after any AsyncWrite that saw the
// connection open (atomics are sequentially consistent).
type connRare struct {
	far   *farAddrs  // the addresses, when they are not both IPv4 (Conn.laddr, Conn.raddr); set before the connection is seen
	mu    sync.Mutex // guards async
	async []byte     // what AsyncWrite accepted for the loop to send
}

// rareMake returns c.rare, made if need be. Any goroutine: the first to
// store it wins.
func (c *Conn) rareMake() *connRare {
	if r := c.rare.Load(); r != nil {
		return r
	}
	if r := new(connRare); c.rare.CompareAndSwap(nil, r) {
		return r
	}
	return c.rare.Load()
}

// newFarAddrs returns a connRare holding f, made in one allocation.
func newFarAddrs(f farAddrs) *connRare {
	r := &struct {
		connRare
		f farAddrs
	}{f: f}
	r.far = &r.f
	return &r.connRare
}

// far returns the addresses kept out of line, nil if they are inline.
// Any goroutine.
func (c *Conn) far() *farAddrs {
	if r := c.rare.Load(); r != nil {
		return r.far
	}
	return nil
}

// takeAsync returns what AsyncWrite accepted and forgets it. r.mu must be
// held.
func (r *connRare) takeAsync() []byte {
	b := r.async
	r.async = nil
	return b
}

// ip4Port is an IPv4 address and port kept as a value in 6 bytes: the
// addresses of every connection are read when it opens, and most are IPv4
// (or IPv4 mapped to IPv6, on a dual-stack listener). Its ip4Kind is kept
// in Conn.aflags. Other addresses go to a farAddrs in Conn.rare.
type ip4Port struct {
	ip   [4]byte
	port uint16
}

// ip4Kind says what an ip4Port holds.
type ip4Kind uint8

const (
	ip4None   ip4Kind = iota // no address (it could not be read)
	ip4Plain                 // IPv4
	ip4Mapped                // IPv4 mapped to IPv6
)

// farAddrs holds a connection's addresses when they do not both fit an
// ip4Port: IPv6, zoned, unix sockets.
type farAddrs struct {
	ip   [2]netip.AddrPort // local, remote; invalid for a unix socket
	unix *[2]net.Addr      // a unix socket's local and remote address
}

// packIP4 packs ap; false when it does not fit (IPv6, a zone). The zero
// AddrPort packs as ip4None.
func packIP4(ap netip.AddrPort) (p ip4Port, k ip4Kind, ok bool) {
	a := ap.Addr()
	switch {
	case !ap.IsValid():
		return p, ip4None, true
	case a.Zone() != "":
		return p, ip4None, false
	case a.Is4():
		k = ip4Plain
	case a.Is4In6():
		k = ip4Mapped
	default:
		return p, ip4None, false
	}
	return ip4Port{ip: a.Unmap().As4(), port: ap.Port()}, k, true
}

func (p ip4Port) addrPort(k ip4Kind) netip.AddrPort {
	switch k {
	case ip4Plain:
		return netip.AddrPortFrom(netip.AddrFrom4(p.ip), p.port)
	case ip4Mapped:
		return netip.AddrPortFrom(netip.AddrFrom16(netip.AddrFrom4(p.ip).As16()), p.port)
	}
	return netip.AddrPort{}
}

// loadState returns the connection's state (stateConnecting...). Any goroutine.
func (c *Conn) loadState() int32 { return int32(c.aflags.Load() & aState >> aStateShift) }

// storeState sets the state, keeping the flags that share its word. Any goroutine.
func (c *Conn) storeState(s int32) {
	for {
		v := c.aflags.Load()
		if c.aflags.CompareAndSwap(v, v&^aState|uint32(s)<<aStateShift) {
			return
		}
	}
}

// casState sets the state to new if it is old, keeping the flags that share its word, and
// reports whether it did. Any goroutine.
func (c *Conn) casState(old, new int32) bool {
	for {
		v := c.aflags.Load()
		if int32(v&aState>>aStateShift) != old {
			return false
		}
		if c.aflags.CompareAndSwap(v, v&^aState|uint32(new)<<aStateShift) {
			return true
		}
	}
}

// readPaused reports whether PauseRead was requested (and not undone).
// Any goroutine.
func (c *Conn) readPaused() bool { return c.aflags.Load()&aPause != 0 }
