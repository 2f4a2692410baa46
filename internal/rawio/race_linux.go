//go:build linux && race

package rawio

import (
	"runtime"
	"syscall"
	"unsafe"
)

// The race detector learns what the raw calls did as it learns it from
// package syscall's Read and Write: the bytes the kernel wrote into p or
// read from it, and an edge from every socket write to every later read.
// That edge is package syscall's own (its Write releases it before the
// system call, its Read acquires it after a read without error), so that
// it links raw calls with net.Conn's on the other end of a connection too;
// package syscall does not export it, so these calls take it through two
// calls that move no data: write(-1, nil) (EBADF) and a zero-length read,
// which a socket answers at once with 0 (race builds only).

func raceRecv(fd int, p []byte) {
	if len(p) > 0 {
		runtime.RaceWriteRange(unsafe.Pointer(&p[0]), len(p))
	}
	_, _ = syscall.Read(fd, nil)
}

func raceSendBefore() { _, _ = syscall.Write(-1, nil) }

func raceSent(p []byte) {
	if len(p) > 0 {
		runtime.RaceReadRange(unsafe.Pointer(&p[0]), len(p))
	}
}
