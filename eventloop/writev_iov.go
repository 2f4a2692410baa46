//go:build (darwin || openbsd) && !eventloop_goroutines

package eventloop

import "golang.org/x/sys/unix"

func writev(_ *[]byte, fd int, bufs [][]byte) (int, error) {
	return unix.Writev(fd, bufs)
}
