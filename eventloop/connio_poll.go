//go:build (linux || darwin || freebsd || netbsd || openbsd || dragonfly) && !eventloop_goroutines

package eventloop

import "net/netip"

// connIO holds a connection's input that OnData left unconsumed and its output the kernel
// refused. It is made the first time there is some and then kept (the buffers themselves are
// dropped once empty): a connection that never had any, the common idle case, carries one pointer
// instead of two slices.
type connIO struct {
	in  []byte // input OnData left unconsumed
	out []byte // output the kernel refused
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

// ipPort is an IP address and port kept as a value in 20 bytes (a netip.AddrPort takes 32): the
// addresses of every connection are read when it opens. A zoned IPv6 address does not fit; it
// goes to Conn.uaddr instead.
type ipPort struct {
	ip   [16]byte
	port uint16
	kind uint8 // 0: none, 4: IPv4 in ip[:4], 6: IPv6
}

func packIPPort(ap netip.AddrPort) (p ipPort, ok bool) {
	a := ap.Addr()
	switch {
	case !ap.IsValid():
		return p, true
	case a.Zone() != "":
		return p, false
	case a.Is4():
		v := a.As4()
		copy(p.ip[:], v[:])
		p.kind = 4
	default:
		p.ip = a.As16()
		p.kind = 6
	}
	p.port = ap.Port()
	return p, true
}

func (p ipPort) addrPort() netip.AddrPort {
	switch p.kind {
	case 4:
		return netip.AddrPortFrom(netip.AddrFrom4([4]byte(p.ip[:4])), p.port)
	case 6:
		return netip.AddrPortFrom(netip.AddrFrom16(p.ip), p.port)
	}
	return netip.AddrPort{}
}
