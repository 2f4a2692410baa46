//go:build linux && !race && !msan && !asan

package rawio

import (
	"syscall"
	"unsafe"
)

const supported = true

// Sysread is read(2) on a non-blocking fd without the scheduler's system
// call bookkeeping (see the package doc). It must not be used on a
// blocking fd.
func Sysread(fd int, p []byte) (int, error) {
	n, _, e := syscall.RawSyscall(syscall.SYS_READ, uintptr(fd), uintptr(bufPtr(p)), uintptr(len(p)))
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}

// Syswrite is write(2) on a non-blocking fd, as Sysread.
func Syswrite(fd int, p []byte) (int, error) {
	n, _, e := syscall.RawSyscall(syscall.SYS_WRITE, uintptr(fd), uintptr(bufPtr(p)), uintptr(len(p)))
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}

func bufPtr(p []byte) unsafe.Pointer {
	if len(p) == 0 {
		return nil
	}
	return unsafe.Pointer(&p[0])
}
