//go:build unix && !(linux && (amd64 || arm || arm64 || loong64 || mips || mips64 || mips64le || mipsle || ppc64 || ppc64le || riscv64) && !msan && !asan)

package rawio

// Here (other systems, Linux on 386 and s390x, sanitizer builds) there is
// no raw path: enabled is false and Sysread and Syswrite take the ordinary
// one. recvNow and sendNow exist only to compile.

const flagged = false

func recvNow(fd int, p []byte) (int, error) { return readPlain(fd, p) }
func sendNow(fd int, p []byte) (int, error) { return writePlain(fd, p) }
