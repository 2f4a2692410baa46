package loadgen

import (
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// TestLoadgenProcessCPUClock reads a busy child's CPU time through its
// process CPU clock and checks it against /proc/PID/stat, which has the
// same kernel count truncated to clock ticks: the exact value lies
// between a stat read before it and one after it (plus the ticks the
// truncation of user and system time each lose).
func TestLoadgenProcessCPUClock(t *testing.T) {
	// The clock ids glibc's clock_getcpuclockid(3) gives.
	for _, c := range []struct {
		pid  int
		want int32
	}{{1, -14}, {1234, -9878}, {4194304, -33554438}} {
		if got := processCPUClock(c.pid); got != c.want {
			t.Errorf("processCPUClock(%d) = %d, want %d", c.pid, got, c.want)
		}
	}

	cmd := exec.Command("/bin/sh", "-c", "while :; do :; done")
	if err := cmd.Start(); err != nil {
		t.Skipf("no /bin/sh: %v", err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	pid := cmd.Process.Pid
	deadline := time.Now().Add(20 * time.Second)
	for {
		cpu, err := processCPU(pid)
		if err != nil {
			t.Fatalf("processCPU(child): %v", err)
		}
		if cpu >= 200*time.Millisecond {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("child used only %v of CPU in 20 s", cpu)
		}
		time.Sleep(10 * time.Millisecond)
	}
	stat := func() time.Duration {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			t.Fatal(err)
		}
		d, err := parseStatCPU(b)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	before := stat()
	exact, err := processCPU(pid)
	after := stat()
	if err != nil || exact < before || exact > after+2*clockTick {
		t.Fatalf("process CPU clock %v, /proc/PID/stat %v before and %v after: want between", exact, before, after)
	}
	if exact%clockTick == 0 && exact == before {
		t.Logf("exact value fell on a tick: %v", exact)
	}
	p, err := ReadProc(pid)
	if err != nil || !p.CPUExact || p.CPU < exact {
		t.Fatalf("ReadProc = %+v, %v; want the exact clock, at least %v", p, err, exact)
	}

	// A process that is gone has no clock.
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if _, err := processCPU(pid); err == nil {
		t.Errorf("processCPU of a reaped process: no error")
	}
}
