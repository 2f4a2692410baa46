package loadgen

import (
	"time"

	"golang.org/x/sys/unix"
)

// processCPU returns the CPU time process pid has used, all its threads,
// living and exited, in nanoseconds: the kernel's sum_exec_runtime of the
// thread group, read through the process's CPU-time clock (the clock id
// clock_getcpuclockid(3) makes; Linux lets any process read another's).
// /proc/PID/stat has the same time truncated to clock ticks (10 ms), too
// coarse for a cell of a few seconds at a fraction of a core; summing
// /proc/PID/task/*/schedstat would be exact too but loses the threads that
// exited between two samples.
func processCPU(pid int) (time.Duration, error) {
	var ts unix.Timespec
	if err := unix.ClockGettime(processCPUClock(pid), &ts); err != nil {
		return 0, err
	}
	return time.Duration(ts.Nano()), nil
}

// processCPUClock is MAKE_PROCESS_CPUCLOCK(pid, CPUCLOCK_SCHED) of the
// kernel's include/linux/posix-timers.h: ^pid in the bits above the low
// three, which select the scheduler's clock (2) of a process (bit 2 clear).
func processCPUClock(pid int) int32 {
	const cpuClockSched = 2
	return (^int32(pid))<<3 | cpuClockSched
}
