// Package rawio reads and writes the non-blocking sockets behind a
// net.TCPConn or net.UnixConn through their syscall.RawConn, with the same
// waiting and deadlines as net.Conn's Read and Write.
//
// On Linux the read(2) and write(2) calls skip the scheduler's system call
// bookkeeping (syscall.RawSyscall): the sockets are non-blocking, so the
// calls return at once and the goroutine keeps its P. That bookkeeping is
// not free where system calls are dear: entering a system call wakes the
// runtime's monitor thread whenever it has gone to sleep because the
// process was idle, and on a client that idles between bursts of messages
// that costs a futex wake-up, the monitor's sleeps and two context
// switches per burst (measured in BENCHMARKS.md, "WAMP"). Elsewhere, and
// in builds with the race detector or a sanitizer (package syscall tells
// them what the kernel read and wrote), the calls go through package
// syscall as net.Conn's do.
//
// The waiting for readiness stays with the runtime's network poller, as for
// net.Conn: Read and Write park the goroutine while the socket would block.
package rawio
