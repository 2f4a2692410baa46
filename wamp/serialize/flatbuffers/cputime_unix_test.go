//go:build unix

package flatbuffers_test

import "syscall"

// processCPU returns the user and system CPU time the process has used
// (all its threads, the garbage collector's included), in nanoseconds.
func processCPU() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
