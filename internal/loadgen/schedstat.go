package loadgen

import (
	"bytes"
	"os"
	"strconv"
	"time"
)

// runDelay returns the time the threads of process pid have spent
// runnable but waiting for a CPU (Linux, /proc/PID/task/*/schedstat,
// second field, summed over the living threads; threads that exited are
// missing, which on a Go server whose threads live as long as it does
// loses nothing). It is how much a busy machine held the process back:
// on a shared machine a server's CPU per message depends on it (waiting,
// it finds more work per wake-up), so a Sample reports it as a share of
// the measured time. ok is false without /proc or schedstats.
func runDelay(pid int) (d time.Duration, ok bool) {
	dir := "/proc/" + strconv.Itoa(pid) + "/task"
	tasks, err := os.ReadDir(dir)
	if err != nil {
		return 0, false
	}
	for _, t := range tasks {
		b, err := os.ReadFile(dir + "/" + t.Name() + "/schedstat")
		if err != nil {
			continue // the thread exited
		}
		_, wait, err := parseSchedstat(b)
		if err != nil {
			return 0, false
		}
		d += wait
		ok = true
	}
	return d, ok
}

// parseSchedstat reads a /proc/PID/schedstat line: the time on a CPU and
// the time waiting on a run queue, in nanoseconds, then the number of
// time slices (Documentation/scheduler/sched-stats.rst).
func parseSchedstat(b []byte) (run, wait time.Duration, err error) {
	f := bytes.Fields(b)
	if len(f) != 3 {
		return 0, 0, errProcFormat
	}
	r, err1 := strconv.ParseInt(string(f[0]), 10, 64)
	w, err2 := strconv.ParseInt(string(f[1]), 10, 64)
	_, err3 := strconv.ParseUint(string(f[2]), 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || r < 0 || w < 0 {
		return 0, 0, errProcFormat
	}
	return time.Duration(r), time.Duration(w), nil
}
