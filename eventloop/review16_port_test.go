//go:build linux

package eventloop

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"
)

// TestPortOutOfRange: a port outside 0..65535 is refused as package net refuses it ("invalid
// port", a *net.AddrError) by Listen and Dial on every backend. The pollers passed it on to the
// system, whose bind and connect failed with a bare "invalid argument".
func TestPortOutOfRange(t *testing.T) {
	l, _ := serve(t, Config{Loops: 1}, &funcs{})
	check := func(what string, err error) {
		t.Helper()
		var ae *net.AddrError
		if !errors.As(err, &ae) || !strings.Contains(err.Error(), "invalid port") {
			t.Errorf("%s: %v, want net's invalid port error", what, err)
		}
	}
	for _, addr := range []string{"127.0.0.1:65536", "127.0.0.1:-1", "[::1]:99999"} {
		_, err := l.Listen("tcp", addr)
		check("Listen "+addr, err)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err = l.Dial(ctx, "tcp", addr)
		cancel()
		check("Dial "+addr, err)
		_, err = l.DialWith(context.Background(), "tcp", "127.0.0.1:1", DialOptions{LocalAddr: addr})
		check("DialWith LocalAddr "+addr, err)
	}
}
