//go:build unix

package rawio

import "syscall"

const supported = true

// readPlain and writePlain are the ordinary path: read(2) and write(2)
// through package syscall, with the scheduler's system call bookkeeping
// and the race detector's and sanitizers' annotations, as net.Conn's
// Read and Write make them. They block if the socket does.
func readPlain(fd int, p []byte) (int, error) {
	n, err := syscall.Read(fd, p)
	if err != nil {
		return 0, err
	}
	return n, nil
}

func writePlain(fd int, p []byte) (int, error) {
	n, err := syscall.Write(fd, p)
	if err != nil {
		return 0, err
	}
	return n, nil
}
