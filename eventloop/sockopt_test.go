//go:build linux

package eventloop

import "syscall"

func setSndBuf(fd, n int) { syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_SNDBUF, n) }
