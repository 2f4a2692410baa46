// Package acceptretry says which errors of a listener's Accept pass: the
// process or the system out of file descriptors, buffers or memory for
// now, or a connection aborted before it was taken. An accept loop backs
// off and accepts again on them (as net/http's Serve does) rather than stop
// serving; on any other error it stops.
package acceptretry

import (
	"errors"
	"syscall"
)

// Transient reports whether err, from Accept, may pass.
func Transient(err error) bool {
	for _, e := range [...]syscall.Errno{syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM,
		syscall.ECONNABORTED, syscall.EINTR} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
