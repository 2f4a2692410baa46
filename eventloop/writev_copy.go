//go:build (freebsd || netbsd || dragonfly) && !eventloop_goroutines

package eventloop

import "golang.org/x/sys/unix"

// writev joins the buffers in the loop's scratch buffer: x/sys has no writev on these systems.
func writev(scratch *[]byte, fd int, bufs [][]byte) (int, error) {
	b := (*scratch)[:0]
	for _, p := range bufs {
		b = append(b, p...)
	}
	*scratch = b[:0]
	return unix.Write(fd, b)
}
