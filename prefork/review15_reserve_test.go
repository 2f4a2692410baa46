//go:build linux

package prefork_test

import (
	"net"
	"strconv"
	"testing"

	"github.com/autobahn-go/autobahn/prefork"
)

// Reserve("tcp", ":0") holds the port on both families, as the children's
// dual-stack listeners use it: a plain IPv6 listener (no SO_REUSEPORT)
// cannot take it while the reservation holds. The reservation bound
// IPv4's wildcard only.
func TestReview15ReserveHoldsDualStack(t *testing.T) {
	if ln, err := net.Listen("tcp6", "[::1]:0"); err != nil {
		t.Skipf("no IPv6 loopback here: %v", err)
	} else {
		ln.Close()
	}
	addr, hold, err := prefork.Reserve("tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Close()
	port := addr.(*net.TCPAddr).Port
	for _, a := range []struct{ network, addr string }{
		{"tcp6", "[::1]:" + strconv.Itoa(port)},
		{"tcp4", "127.0.0.1:" + strconv.Itoa(port)},
	} {
		if ln, err := net.Listen(a.network, a.addr); err == nil {
			ln.Close()
			t.Errorf("%s %s: a plain listener took the reserved port", a.network, a.addr)
		}
	}
	// The children can listen there, and both families reach them.
	ln, err := prefork.Listen("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	for _, a := range []string{"127.0.0.1", "::1"} {
		c, err := net.Dial("tcp", net.JoinHostPort(a, strconv.Itoa(port)))
		if err != nil {
			t.Errorf("dial %s: %v", a, err)
			continue
		}
		s, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		c.Close()
	}
}
