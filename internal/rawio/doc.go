// Package rawio owns the module's raw socket I/O: it reads and writes the
// sockets behind a net.TCPConn or net.UnixConn through their
// syscall.RawConn, with the same waiting and deadlines as net.Conn's Read
// and Write (Read, Write, WriteConn), and offers the single non-blocking
// read and write under them (Sysread, Syswrite) to code that waits for
// readiness itself, such as package eventloop. Every function is for
// sockets only: on Linux the raw path fails with ENOTSOCK on anything
// else.
//
// On Linux on amd64, arm64, arm, riscv64, loong64, ppc64(le) and
// mips(64)(le), the calls are recvfrom(2) with MSG_DONTWAIT and sendto(2)
// with MSG_DONTWAIT|MSG_NOSIGNAL, made without the scheduler's system call
// bookkeeping (syscall.RawSyscall6): they return at once, and the
// goroutine keeps its P. That bookkeeping is not free where system calls
// are dear: entering a system call wakes the runtime's monitor thread
// whenever it has gone to sleep because the process was idle, and on a
// client that idles between bursts of messages that costs a futex wake-up,
// the monitor's sleeps and two context switches per burst (measured in
// BENCHMARKS.md, "WAMP").
//
// Skipping the bookkeeping is safe only if the call cannot block: a thread
// blocked in the kernel in a raw call holds its P, the runtime cannot take
// it back, and the next garbage collection's stop-the-world waits for it,
// with the whole process, until data arrives. The sockets are created
// non-blocking, but O_NONBLOCK belongs to the open file description that
// every dup of the socket shares, and (*os.File).Fd clears it: calling
// Fd on the file from (*net.TCPConn).File (for TCP_INFO, to pass the fd
// on) makes the socket blocking. So the raw calls do not rely on
// O_NONBLOCK: MSG_DONTWAIT makes each of them non-blocking by itself, and
// one that would block fails with EAGAIN, after which Read and Write wait
// in the runtime's network poller as net.Conn does.
//
// Everywhere else (other systems, Linux on 386 and s390x, builds with
// msan or asan), and with the raw path turned off, the calls take the
// ordinary path: read(2) and write(2) through package syscall, with the
// bookkeeping, as net.Conn's; WriteConn then writes with the net.Conn's
// Write. Those calls block like net.Conn's if O_NONBLOCK was cleared, but
// the runtime hands the P on meanwhile.
//
// The raw path is turned off by the environment variable
// AUTOBAHN_RAWIO=off (read once, when the program starts) or by building
// with the tag autobahn_norawio.
//
// In race-detector builds the raw calls tell the detector what package
// syscall's Read and Write would (the bytes read or written, and the
// ordering of a socket write before later reads), at the cost of two extra
// system calls that move no data (see race_linux.go).
package rawio
