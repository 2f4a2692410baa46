package cpuinfo

import (
	"runtime"
	"strings"
	"testing"
)

func TestRead(t *testing.T) {
	i := Read()
	s := i.String()
	for _, want := range []string{"cpu:", "cores:", "caches:", runtime.GOARCH} {
		if !strings.Contains(s, want) {
			t.Errorf("report lacks %q:\n%s", want, s)
		}
	}
	if runtime.GOARCH == "amd64" && (i.X64Level < 1 || len(i.Features) == 0) {
		t.Errorf("amd64 without a microarchitecture level or features: %+v", i)
	}
}

func TestSize(t *testing.T) {
	for n, want := range map[int]string{-1: "?", 0: "?", 512: "512 B", 32 << 10: "32 KiB", 32 << 20: "32 MiB"} {
		if got := size(n); got != want {
			t.Errorf("size(%d) = %q, want %q", n, got, want)
		}
	}
}

func ExampleRead() {
	info := Read()
	_ = info.String() // "cpu: AMD EPYC ... (linux/amd64, AuthenticAMD family 25 model 17)" ...
}
