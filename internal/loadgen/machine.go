package loadgen

import (
	"bytes"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
)

// Machine is where and when a Compare ran: what a published table states
// beside its numbers. On a shared machine the load averages say how much
// else was running (a load above the core count means the servers and the
// generator waited for CPU; msg per server-CPU-second is the measure that
// suffers least from it).
type Machine struct {
	Date      time.Time  `json:"date"`
	CPU       string     `json:"cpu"`   // model name, from /proc/cpuinfo
	Cores     int        `json:"cores"` // of the machine (processors in /proc/cpuinfo), not of this process's affinity
	Kernel    string     `json:"kernel,omitempty"`
	GoVersion string     `json:"go_version"`
	Revision  string     `json:"revision,omitempty"` // the binary's VCS revision, "+dirty" if modified
	Command   string     `json:"command,omitempty"`  // set by the caller
	LoadStart [3]float64 `json:"load_start"`         // 1, 5, 15 min
	LoadAfter [3]float64 `json:"load_after"`
	// GeneratorCPUs are the CPUs the generator may run on
	// (Cpus_allowed_list), ServerCPU the one the servers were pinned to
	// (-1: not pinned; set by Compare).
	GeneratorCPUs string `json:"generator_cpus,omitempty"`
	ServerCPU     int    `json:"server_cpu"`
}

// ReadMachine describes this machine now (Linux /proc; fields it cannot
// read stay empty).
func ReadMachine() Machine {
	m := Machine{Date: time.Now().UTC().Truncate(time.Second), Cores: runtime.NumCPU(), GoVersion: runtime.Version(), LoadStart: readLoadAvg()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		m.CPU = cpuModel(b)
		if n := countProcessors(b); n > 0 {
			m.Cores = n // runtime.NumCPU counts only the CPUs taskset allows
		}
	}
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		m.GeneratorCPUs = statusField(b, "Cpus_allowed_list")
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = "Linux " + strings.TrimSpace(string(b))
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		var rev, dirty string
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					dirty = "+dirty"
				}
			}
		}
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if rev != "" {
			m.Revision = rev + dirty
		}
	}
	return m
}

// cpuModel returns the first "model name" of /proc/cpuinfo.
func cpuModel(b []byte) string { return statusField(b, "model name") }

// countProcessors counts the "processor" lines of /proc/cpuinfo.
func countProcessors(b []byte) int {
	n := 0
	for line := range bytes.Lines(b) {
		k, _, ok := bytes.Cut(line, []byte(":"))
		if ok && string(bytes.TrimSpace(k)) == "processor" {
			n++
		}
	}
	return n
}

// statusField returns the value of the first "key: value" line of b with
// that key ("" if none).
func statusField(b []byte, key string) string {
	for line := range bytes.Lines(b) {
		k, v, ok := bytes.Cut(line, []byte(":"))
		if ok && string(bytes.TrimSpace(k)) == key {
			return string(bytes.TrimSpace(v))
		}
	}
	return ""
}

// readLoadAvg returns the 1, 5 and 15 minute load averages (zeros where
// /proc/loadavg cannot be read).
func readLoadAvg() [3]float64 {
	var l [3]float64
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return l
	}
	f := strings.Fields(string(b))
	for i := 0; i < 3 && i < len(f); i++ {
		l[i], _ = strconv.ParseFloat(f[i], 64)
	}
	return l
}
