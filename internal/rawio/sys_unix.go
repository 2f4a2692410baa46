//go:build unix && (!linux || race || msan || asan)

package rawio

// Here, and in Linux builds with the race detector or a sanitizer, the
// calls go through package syscall, which tells those tools what the
// kernel wrote and which write a read saw.

import "syscall"

const supported = true

// Sysread is read(2) on a non-blocking fd.
func Sysread(fd int, p []byte) (int, error) {
	n, err := syscall.Read(fd, p)
	if err != nil {
		return 0, err
	}
	return n, nil
}

// Syswrite is write(2) on a non-blocking fd.
func Syswrite(fd int, p []byte) (int, error) {
	n, err := syscall.Write(fd, p)
	if err != nil {
		return 0, err
	}
	return n, nil
}
