//go:build !unix

package ws

import (
	"net"
	"syscall"
)

func rawConn(net.Conn) syscall.RawConn { return nil }

func (c *Conn) readRaw() (int, error) { panic("unreachable") }
