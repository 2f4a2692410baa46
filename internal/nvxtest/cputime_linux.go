//go:build linux

package nvxtest

import (
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// CPUTime reports, beside ns/op, the thread CPU time per operation
// ("cpu-ns/op") and the throughput it implies ("cpu-MB/s"), for bytes per
// operation. On a shared, noisy machine the thread's own CPU time does not
// count the time it spent descheduled. Call it as
//
//	defer nvxtest.CPUTime(b, n)()
//
// before the b.Loop loop; it pins the goroutine to its thread meanwhile.
func CPUTime(b *testing.B, bytes int) func() {
	runtime.LockOSThread()
	start := threadCPU()
	return func() {
		d := threadCPU() - start
		runtime.UnlockOSThread()
		if b.N == 0 || d <= 0 {
			return
		}
		perOp := float64(d) / float64(b.N)
		b.ReportMetric(perOp, "cpu-ns/op")
		if bytes > 0 {
			b.ReportMetric(float64(bytes)*1e3/perOp, "cpu-MB/s")
		}
	}
}

func threadCPU() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return 0
	}
	return time.Duration(ts.Nano())
}
