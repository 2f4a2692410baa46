//go:build !unix

package rawio

import "syscall"

// Without Unix sockets RawConn returns nil and nothing else is called.
const supported = false

func Sysread(int, []byte) (int, error)  { return 0, syscall.EINVAL }
func Syswrite(int, []byte) (int, error) { return 0, syscall.EINVAL }
