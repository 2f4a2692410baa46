// Package cpuinfo describes the processor in more detail than package nvx
// needs: brand, topology, caches, microarchitecture level and the full
// feature list, for the `autobahn nvx` command and for benchmark reports.
// It is the one place that uses github.com/klauspost/cpuid/v2, so the kernel
// packages stay free of it.
package cpuinfo

import (
	"fmt"
	"runtime"
	"strings"

	"github.com/klauspost/cpuid/v2"
)

// Info is a snapshot of what cpuid reports.
type Info struct {
	Brand          string
	Vendor         string
	Family, Model  int
	PhysicalCores  int
	ThreadsPerCore int
	LogicalCores   int
	L1D, L2, L3    int // bytes, -1 if unknown
	X64Level       int // x86-64 microarchitecture level (1-4), 0 elsewhere
	Features       []string
}

// Read returns the processor description.
func Read() Info {
	c := cpuid.CPU
	return Info{
		Brand:          strings.TrimSpace(c.BrandName),
		Vendor:         c.VendorString,
		Family:         c.Family,
		Model:          c.Model,
		PhysicalCores:  c.PhysicalCores,
		ThreadsPerCore: c.ThreadsPerCore,
		LogicalCores:   c.LogicalCores,
		L1D:            c.Cache.L1D,
		L2:             c.Cache.L2,
		L3:             c.Cache.L3,
		X64Level:       c.X64Level(),
		Features:       c.FeatureSet(),
	}
}

// String formats the description as a few labelled lines.
func (i Info) String() string {
	var b strings.Builder
	brand := i.Brand
	if brand == "" {
		brand = "(unknown)"
	}
	fmt.Fprintf(&b, "cpu:      %s (%s/%s", brand, runtime.GOOS, runtime.GOARCH)
	if i.Vendor != "" {
		fmt.Fprintf(&b, ", %s family %d model %d", i.Vendor, i.Family, i.Model)
	}
	b.WriteString(")\n")
	fmt.Fprintf(&b, "cores:    %d logical (%d physical x %d threads), GOMAXPROCS %d\n",
		i.LogicalCores, i.PhysicalCores, i.ThreadsPerCore, runtime.GOMAXPROCS(0))
	fmt.Fprintf(&b, "caches:   L1d %s, L2 %s, L3 %s\n", size(i.L1D), size(i.L2), size(i.L3))
	if i.X64Level > 0 {
		fmt.Fprintf(&b, "level:    x86-64-v%d\n", i.X64Level)
	}
	return b.String()
}

func size(n int) string {
	switch {
	case n <= 0:
		return "?"
	case n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}
