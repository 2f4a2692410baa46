//go:build (linux || darwin || freebsd || netbsd || openbsd || dragonfly) && !eventloop_goroutines

package eventloop

import (
	"net/netip"
	"testing"
)

func TestIPPortRoundTrip(t *testing.T) {
	for _, s := range []string{"127.0.0.1:9000", "10.1.2.3:1", "[::1]:443", "[2001:db8::7]:65535", "[::ffff:1.2.3.4]:80"} {
		ap := netip.MustParseAddrPort(s)
		p, ok := packIPPort(ap)
		if !ok || p.addrPort() != ap {
			t.Errorf("%s: packed %v, %v; back %v", s, p, ok, p.addrPort())
		}
	}
	if p, ok := packIPPort(netip.AddrPort{}); !ok || p.addrPort().IsValid() {
		t.Errorf("zero AddrPort: %v, %v", p, ok)
	}
	// A zone does not fit: the caller keeps the net.Addr instead.
	if _, ok := packIPPort(netip.MustParseAddrPort("[fe80::1%eth0]:80")); ok {
		t.Error("zoned address packed")
	}
}
