//go:build !unix

package rawio

import "syscall"

// Without Unix sockets RawConn returns nil and nothing else is called.
const (
	supported = false
	flagged   = false
)

func readPlain(int, []byte) (int, error)  { return 0, syscall.EINVAL }
func writePlain(int, []byte) (int, error) { return 0, syscall.EINVAL }
func recvNow(int, []byte) (int, error)    { return 0, syscall.EINVAL }
func sendNow(int, []byte) (int, error)    { return 0, syscall.EINVAL }
