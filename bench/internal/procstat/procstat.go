// Package procstat reads what the load generators report about a process:
// its CPU time and resident memory from /proc (Linux), and this process's
// own CPU time.
package procstat

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Tick is the length of a /proc clock tick (USER_HZ, 100 on Linux).
const Tick = 10 * time.Millisecond

// Ticks returns utime+stime of pid in clock ticks; 0 when pid <= 0 or its
// stat file cannot be read.
func Ticks(pid int) int64 {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return ut + st
}

// RSSKB returns pid's resident set size (VmRSS) in KiB; 0 when pid <= 0 or
// its status file cannot be read.
func RSSKB(pid int) int64 {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			v, _ := strconv.ParseInt(strings.Fields(line)[1], 10, 64)
			return v
		}
	}
	return 0
}

// Self returns this process's user+system CPU time (getrusage).
func Self() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
