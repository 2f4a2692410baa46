//go:build linux

package eventloop

import (
	"context"
	"errors"
	"net"
	"os"
	"testing"
	"time"
)

// TestDialBadLocalAddr: a DialOptions.LocalAddr that cannot be used is reported as net reports it,
// an address error naming the address, on every backend. The pollers reported it as bind's system
// call error ("bind: address 127.0.0.1: missing port in address"), and bound an IPv6 local address
// to an IPv4 socket (EAFNOSUPPORT from bind) where net finds no suitable address.
func TestDialBadLocalAddr(t *testing.T) {
	l, addr := serve(t, Config{Loops: 1}, &funcs{})
	for _, tc := range []struct{ local, addrErr string }{
		{"127.0.0.1", "127.0.0.1"},   // no port
		{"[::1]:0", ""},              // another family than the remote address's
		{"127.0.0.1:nosuchport", ""}, // an unknown service
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		c, err := l.DialWith(ctx, "tcp", addr, DialOptions{LocalAddr: tc.local})
		cancel()
		if err == nil {
			c.Close()
			t.Fatalf("LocalAddr %q: dialed", tc.local)
		}
		var se *os.SyscallError
		if errors.As(err, &se) {
			t.Errorf("LocalAddr %q: a system call's error: %v", tc.local, err)
		}
		var ae *net.AddrError
		var de *net.DNSError
		if !errors.As(err, &ae) && !errors.As(err, &de) {
			t.Errorf("LocalAddr %q: %T %v, want a *net.AddrError or *net.DNSError", tc.local, err, err)
		}
		if tc.addrErr != "" && (ae == nil || ae.Addr != tc.addrErr) {
			t.Errorf("LocalAddr %q: %v does not name %q", tc.local, err, tc.addrErr)
		}
	}
}
