package loadgen

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strconv"
	"time"
)

// clockTick is the unit of /proc/PID/stat times (USER_HZ, 100 on Linux).
const clockTick = 10 * time.Millisecond

// ProcSample is what /proc tells about a process at one moment.
type ProcSample struct {
	CPU time.Duration // user + system
	RSS int64         // resident bytes
	// RSSAnon is the resident anonymous memory (RssAnon): RSS without the
	// pages of files, such as the binary's code paged in; 0 if unknown.
	RSSAnon int64
	// CPUExact: CPU is the kernel's count in nanoseconds (processCPU), not
	// /proc/PID/stat's in clock ticks of 10 ms. Subtract only samples that
	// agree here.
	CPUExact bool
}

// CountFDs returns how many file descriptors process pid holds (Linux
// /proc/PID/fd).
func CountFDs(pid int) (int, error) {
	d, err := os.Open("/proc/" + strconv.Itoa(pid) + "/fd")
	if err != nil {
		return 0, err
	}
	defer d.Close()
	n := 0
	for {
		names, err := d.Readdirnames(4096)
		n += len(names)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return n, nil
			}
			return n, err
		}
	}
}

// ReadProc samples process pid (Linux /proc/PID/stat and status; the CPU
// time from the process's CPU-time clock where there is one, exact to the
// nanosecond).
func ReadProc(pid int) (ProcSample, error) {
	dir := "/proc/" + strconv.Itoa(pid)
	stat, err := os.ReadFile(dir + "/stat")
	if err != nil {
		return ProcSample{}, err
	}
	cpu, err := parseStatCPU(stat)
	if err != nil {
		return ProcSample{}, err
	}
	status, err := os.ReadFile(dir + "/status")
	if err != nil {
		return ProcSample{}, err
	}
	rss, err := parseStatusRSS(status)
	if err != nil {
		return ProcSample{}, err
	}
	p := ProcSample{CPU: cpu, RSS: rss}
	p.RSSAnon, _ = parseStatusKB(status, "RssAnon:") // Linux 4.5 and later; else 0
	if c, err := processCPU(pid); err == nil {
		p.CPU, p.CPUExact = c, true
	}
	return p, nil
}

// maxDescendants bounds the processes descendants walks.
const maxDescendants = 4096

// descendants returns the PIDs of pid's children, their children and so
// on (Linux /proc/PID/task/TID/children; none where it cannot be read).
func descendants(pid int) []int {
	var out []int
	for next := []int{pid}; len(next) > 0 && len(out) < maxDescendants; {
		p := next[0]
		next = next[1:]
		tasks, _ := os.ReadDir("/proc/" + strconv.Itoa(p) + "/task")
		for _, task := range tasks {
			b, _ := os.ReadFile("/proc/" + strconv.Itoa(p) + "/task/" + task.Name() + "/children")
			for f := range bytes.FieldsSeq(b) {
				if k, err := strconv.Atoi(string(f)); err == nil && k > 0 && len(out) < maxDescendants {
					out = append(out, k)
					next = append(next, k)
				}
			}
		}
	}
	return out
}

var errProcFormat = errors.New("loadgen: unexpected /proc format")

// parseStatCPU returns utime+stime of a /proc/PID/stat line. The command
// name (field 2) is in parentheses and may hold spaces and parentheses:
// the fields are counted after the last ')'.
func parseStatCPU(b []byte) (time.Duration, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, errProcFormat
	}
	f := bytes.Fields(b[i+1:])
	// After the name: state(3) ... utime(14) stime(15).
	if len(f) < 13 {
		return 0, errProcFormat
	}
	ut, err1 := strconv.ParseUint(string(f[11]), 10, 63)
	st, err2 := strconv.ParseUint(string(f[12]), 10, 63)
	if err1 != nil || err2 != nil || ut+st > uint64(1<<62)/uint64(clockTick) {
		return 0, errProcFormat
	}
	return time.Duration(ut+st) * clockTick, nil
}

// parseStatusRSS returns VmRSS of /proc/PID/status in bytes.
func parseStatusRSS(b []byte) (int64, error) { return parseStatusKB(b, "VmRSS:") }

// parseStatusKB returns the value in bytes of a /proc/PID/status line
// key (as "VmRSS:") counted in kB.
func parseStatusKB(b []byte, key string) (int64, error) {
	for line := range bytes.SplitSeq(b, []byte{'\n'}) {
		rest, ok := bytes.CutPrefix(line, []byte(key))
		if !ok {
			continue
		}
		f := bytes.Fields(rest)
		if len(f) < 1 {
			return 0, errProcFormat
		}
		kb, err := strconv.ParseInt(string(f[0]), 10, 64)
		if err != nil || kb < 0 || kb > 1<<50 {
			return 0, errProcFormat
		}
		return kb << 10, nil
	}
	return 0, errProcFormat
}

// SockStat is the kernel's TCP socket count and buffer memory
// (/proc/net/sockstat), machine-wide.
type SockStat struct {
	TCPInUse int   `json:"tcp_inuse"`
	TCPMem   int64 `json:"tcp_mem_bytes"` // pages in socket buffers, in bytes
}

// ReadSockStat reads /proc/net/sockstat.
func ReadSockStat() (SockStat, error) {
	b, err := os.ReadFile("/proc/net/sockstat")
	if err != nil {
		return SockStat{}, err
	}
	return parseSockStat(b, int64(os.Getpagesize()))
}

// parseSockStat reads the "TCP: inuse N orphan N tw N alloc N mem N" line.
func parseSockStat(b []byte, page int64) (SockStat, error) {
	for line := range bytes.SplitSeq(b, []byte{'\n'}) {
		rest, ok := bytes.CutPrefix(line, []byte("TCP:"))
		if !ok {
			continue
		}
		var s SockStat
		found := 0
		f := bytes.Fields(rest)
		for i := 0; i+1 < len(f); i += 2 {
			v, err := strconv.ParseInt(string(f[i+1]), 10, 64)
			if err != nil || v < 0 || v > 1<<40 {
				return SockStat{}, errProcFormat
			}
			switch string(f[i]) {
			case "inuse":
				s.TCPInUse = int(v)
				found++
			case "mem":
				s.TCPMem = v * page
				found++
			}
		}
		if found != 2 {
			return SockStat{}, errProcFormat
		}
		return s, nil
	}
	return SockStat{}, errProcFormat
}
