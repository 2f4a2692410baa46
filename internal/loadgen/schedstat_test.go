package loadgen

import (
	"os"
	"testing"
	"time"
)

func TestLoadgenSchedstat(t *testing.T) {
	// A line of a real /proc/1/schedstat (Linux 6.18).
	b, err := os.ReadFile("testdata/schedstat.txt")
	if err != nil {
		t.Fatal(err)
	}
	run, wait, err := parseSchedstat(b)
	if err != nil || run != 131710427 || wait != 62792398 {
		t.Fatalf("parseSchedstat = %v, %v, %v", run, wait, err)
	}
	for _, bad := range []string{"", "1 2", "1 2 3 4", "x 2 3", "1 -2 3", "1 2 -3", "99999999999999999999 1 1"} {
		if _, _, err := parseSchedstat([]byte(bad)); err == nil {
			t.Errorf("parseSchedstat(%q): no error", bad)
		}
	}
	// This process, for real, where there is /proc.
	if _, err := os.Stat("/proc/self/task"); err != nil {
		t.Skip("no /proc")
	}
	d, ok := runDelay(os.Getpid())
	if !ok || d < 0 || d > 24*time.Hour {
		t.Fatalf("runDelay(self) = %v, %v", d, ok)
	}
	if _, ok := runDelay(-1); ok {
		t.Error("runDelay(-1): ok")
	}
}

func FuzzSchedstat(f *testing.F) {
	f.Add([]byte("131710427 62792398 1242\n"))
	f.Add([]byte("0 0 1"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if run, wait, err := parseSchedstat(b); err == nil && (run < 0 || wait < 0) {
			t.Fatalf("negative %v %v", run, wait)
		}
	})
}
