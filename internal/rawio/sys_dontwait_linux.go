//go:build linux && (amd64 || arm || arm64 || loong64 || mips || mips64 || mips64le || mipsle || ppc64 || ppc64le || riscv64) && !msan && !asan

package rawio

// The architectures above are those where package syscall itself calls
// recvfrom(2) and sendto(2) directly (386 and s390x go through
// socketcall(2), whose direct entries need newer kernels than Go does).
// Builds with a sanitizer take the ordinary path (sys_plain.go): package
// syscall tells the sanitizer what the kernel read and wrote.

import (
	"syscall"
	"unsafe"
)

// flagged says recvNow and sendNow are the raw, non-blocking calls.
const flagged = true

// recvNow is recvfrom(fd, p, MSG_DONTWAIT) without the scheduler's system
// call bookkeeping. MSG_DONTWAIT makes this one call non-blocking whatever
// the socket's O_NONBLOCK flag says, so it returns at once (EAGAIN when
// there is nothing to read) and may keep the P: a thread parked in the
// kernel here would hold its P and stall the next stop-the-world. fd must
// be a socket (anything else fails with ENOTSOCK).
func recvNow(fd int, p []byte) (int, error) {
	n, _, e := syscall.RawSyscall6(syscall.SYS_RECVFROM, uintptr(fd), uintptr(bufPtr(p)), uintptr(len(p)),
		syscall.MSG_DONTWAIT, 0, 0)
	if e != 0 {
		return 0, e
	}
	raceRecv(fd, p[:n])
	return int(n), nil
}

// sendNow is sendto(fd, p, MSG_DONTWAIT|MSG_NOSIGNAL) without the
// bookkeeping, as recvNow. MSG_NOSIGNAL: a peer that has gone away is
// EPIPE, without a SIGPIPE to deliver (and ignore).
func sendNow(fd int, p []byte) (int, error) {
	raceSendBefore()
	n, _, e := syscall.RawSyscall6(syscall.SYS_SENDTO, uintptr(fd), uintptr(bufPtr(p)), uintptr(len(p)),
		syscall.MSG_DONTWAIT|syscall.MSG_NOSIGNAL, 0, 0)
	if e != 0 {
		return 0, e
	}
	raceSent(p[:n])
	return int(n), nil
}

func bufPtr(p []byte) unsafe.Pointer {
	if len(p) == 0 {
		return nil
	}
	return unsafe.Pointer(&p[0])
}
