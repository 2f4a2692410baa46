//go:build linux && !eventloop_goroutines

package eventloop

import (
	"context"
	"net"
	"testing"

	"golang.org/x/sys/unix"
)

// TestResolveNumericZone: an IPv6 address's zone may be an interface's index, as package net
// reads it ("fe80::1%1" dials through interface 1). A zone that named no interface was dropped,
// so Dial to a link-local address with a numeric zone failed where net's succeeds.
func TestResolveNumericZone(t *testing.T) {
	ifi, err := net.InterfaceByIndex(1)
	if err != nil {
		t.Skip(err)
	}
	for _, z := range []string{"1", ifi.Name} {
		sa, _, err := resolve(context.Background(), "tcp6", "[fe80::1%"+z+"]:80")
		if err != nil {
			t.Fatal(err)
		}
		if s6, ok := sa.(*unix.SockaddrInet6); !ok || s6.ZoneId != 1 {
			t.Fatalf("zone %q: %#v, want zone id 1", z, sa)
		}
	}
}
