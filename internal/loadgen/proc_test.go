package loadgen

import (
	"os"
	"testing"
	"time"
)

func TestLoadgenProcParsers(t *testing.T) {
	stat := []byte("4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 6051 0 0 0 250 130 0 0 20 0 9 0 1234 123456 789 18446744073709551615\n")
	if cpu, err := parseStatCPU(stat); err != nil || cpu != 380*clockTick {
		t.Fatalf("parseStatCPU = %v, %v; want 3.8s", cpu, err)
	}
	status := []byte("Name:\tx\nVmPeak:\t  100 kB\nVmRSS:\t    2048 kB\nThreads:\t9\n")
	if rss, err := parseStatusRSS(status); err != nil || rss != 2048<<10 {
		t.Fatalf("parseStatusRSS = %d, %v", rss, err)
	}
	if anon, err := parseStatusKB([]byte("VmRSS:\t2048 kB\nRssAnon:\t  1500 kB\nRssFile:\t548 kB\n"), "RssAnon:"); err != nil || anon != 1500<<10 {
		t.Fatalf("parseStatusKB(RssAnon) = %d, %v", anon, err)
	}
	sock := []byte("sockets: used 300\nTCP: inuse 12 orphan 0 tw 3 alloc 20 mem 5\nUDP: inuse 2 mem 1\n")
	if s, err := parseSockStat(sock, 4096); err != nil || s.TCPInUse != 12 || s.TCPMem != 5*4096 {
		t.Fatalf("parseSockStat = %+v, %v", s, err)
	}
	for _, bad := range []string{"", "1 (x) S", "1 (x) S 1 2 3 4 5 6 7 8 9 10 x 12", "TCP: inuse x mem 1", "TCP: inuse 1"} {
		if _, err := parseStatCPU([]byte(bad)); err == nil {
			t.Errorf("parseStatCPU(%q): no error", bad)
		}
		if _, err := parseStatusRSS([]byte(bad)); err == nil {
			t.Errorf("parseStatusRSS(%q): no error", bad)
		}
		if _, err := parseSockStat([]byte(bad), 4096); err == nil {
			t.Errorf("parseSockStat(%q): no error", bad)
		}
	}
	// This process, for real.
	p, err := ReadProc(os.Getpid())
	if err != nil || p.RSS <= 0 || p.RSSAnon <= 0 || p.RSSAnon > p.RSS {
		t.Fatalf("ReadProc(self) = %+v, %v", p, err)
	}
	if _, err := ReadSockStat(); err != nil {
		t.Fatalf("ReadSockStat: %v", err)
	}
	if selfCPU() < 0 || p.CPU < 0 || p.CPU > time.Hour*24*365 {
		t.Fatalf("cpu %v", p.CPU)
	}
}

func FuzzProcParsers(f *testing.F) {
	f.Add([]byte("1 (a) R 0 0 0 0 0 0 0 0 0 0 7 8 0\nVmRSS: 5 kB\nTCP: inuse 1 mem 2\n"))
	f.Add([]byte("TCP: inuse 1 orphan 0 tw 0 alloc 1 mem 99999999999999"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if cpu, err := parseStatCPU(b); err == nil && cpu < 0 {
			t.Fatalf("negative cpu %v", cpu)
		}
		if rss, err := parseStatusRSS(b); err == nil && rss < 0 {
			t.Fatalf("negative rss %d", rss)
		}
		if s, err := parseSockStat(b, 4096); err == nil && (s.TCPInUse < 0 || s.TCPMem < 0) {
			t.Fatalf("negative %+v", s)
		}
	})
}
