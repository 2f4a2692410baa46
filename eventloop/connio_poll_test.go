//go:build (linux || darwin || freebsd || netbsd || openbsd || dragonfly) && !eventloop_goroutines

package eventloop

import (
	"errors"
	"io"
	"net/netip"
	"testing"
)

func TestIP4PortRoundTrip(t *testing.T) {
	for _, s := range []string{"127.0.0.1:9000", "10.1.2.3:1", "255.255.255.255:65535", "[::ffff:1.2.3.4]:80"} {
		ap := netip.MustParseAddrPort(s)
		p, k, ok := packIP4(ap)
		if !ok || p.addrPort(k) != ap {
			t.Errorf("%s: packed %v, %v, %v; back %v", s, p, k, ok, p.addrPort(k))
		}
	}
	if p, k, ok := packIP4(netip.AddrPort{}); !ok || k != ip4None || p.addrPort(k).IsValid() {
		t.Errorf("zero AddrPort: %v, %v, %v", p, k, ok)
	}
	// IPv6 and zones do not fit: the caller keeps them in a farAddrs instead.
	for _, s := range []string{"[::1]:443", "[2001:db8::7]:65535", "[fe80::1%eth0]:80"} {
		if _, _, ok := packIP4(netip.MustParseAddrPort(s)); ok {
			t.Errorf("%s packed", s)
		}
	}
}

// TestCloseErrorKept: every close error comes back as it was recorded, the common ones kept as
// flags, the others out of line; a later one replaces an earlier one.
func TestCloseErrorKept(t *testing.T) {
	other := errors.New("reset")
	c := &Conn{}
	for _, err := range []error{nil, io.EOF, ErrShutdown, other, io.EOF, nil, other, ErrShutdown} {
		c.setCloseError(err)
		if got := c.closeError(); got != err {
			t.Fatalf("recorded %v, got %v", err, got)
		}
	}
}
