//go:build !linux

package prefork

import (
	"context"
	"errors"
	"fmt"
	"net"
	"syscall"
)

var errUnsupported = fmt.Errorf("prefork: only Linux spreads connections among SO_REUSEPORT listeners: %w", errors.ErrUnsupported)

// Run returns an error wrapping errors.ErrUnsupported: prefork needs Linux.
func Run(ctx context.Context, o Options) error { return errUnsupported }

// Control returns an error wrapping errors.ErrUnsupported: prefork needs Linux.
func Control(network, address string, c syscall.RawConn) error { return errUnsupported }

// Listen returns an error wrapping errors.ErrUnsupported: prefork needs Linux.
func Listen(network, addr string) (net.Listener, error) { return nil, errUnsupported }

// Reserve returns an error wrapping errors.ErrUnsupported: prefork needs Linux.
func Reserve(network, addr string) (net.Addr, interface{ Close() error }, error) {
	return nil, nil, errUnsupported
}
