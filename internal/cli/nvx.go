package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/autobahn-go/autobahn/nvx"
	"github.com/autobahn-go/autobahn/nvx/cpuinfo"
	"github.com/autobahn-go/autobahn/xor"
)

// runNVX prints the CPU, the kernel choices and a throughput table of
// xor.Mask against copy() at a small and a cache-sized length.
func runNVX(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("nvx", flag.ContinueOnError)
	parse := setUsage(fs, stdout, stderr, "autobahn nvx [flags]", `  autobahn nvx              the CPU, each kernel's pick, and xor.Mask against copy()
  autobahn nvx -no-bench    the CPU and the picks only
  AUTOBAHN_NVX=noavx512 autobahn nvx    as a CPU without AVX-512 would run
`)
	per := fs.Duration("time", 150*time.Millisecond, "measuring time per cell (the median of 5 runs is shown)")
	noBench := fs.Bool("no-bench", false, "print the features and choices only")
	if err := parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err // Run: -h is not an error
		}
		return usageError{fmt.Errorf("nvx: %w", err)}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("nvx: unexpected argument %q", fs.Arg(0))}
	}
	fmt.Fprint(stdout, cpuinfo.Read())
	fmt.Fprint(stdout, nvx.Report())
	if *noBench {
		return nil
	}
	sizes := []int{125, 16 << 10}
	type row struct {
		n              int
		maskGBs, cpGBs float64
	}
	var rows []row
	total := 2 * len(sizes)
	step := 0
	progress := func(what string, n int) {
		step++
		fmt.Fprintf(stderr, "\rmeasuring %-9s at %6s (%d/%d)...", what, sizeLabel(n), step, total)
	}
	for _, n := range sizes {
		src, dst := make([]byte, n), make([]byte, n)
		key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
		progress("xor.Mask", n)
		m, err := throughput(ctx, n, *per, func() { xor.Mask(dst, key, 0) })
		if err != nil {
			return err
		}
		progress("copy()", n)
		c, err := throughput(ctx, n, *per, func() { copy(dst, src) })
		if err != nil {
			return err
		}
		rows = append(rows, row{n: n, maskGBs: m, cpGBs: c})
	}
	fmt.Fprintf(stderr, "\r%60s\r", "")
	fmt.Fprintf(stdout, "\n%-8s %12s %12s %8s\n", "size", "xor.Mask", "copy()", "ratio")
	for _, r := range rows {
		fmt.Fprintf(stdout, "%-8s %7.1f GB/s %7.1f GB/s %7.2fx\n",
			sizeLabel(r.n), r.maskGBs, r.cpGBs, r.maskGBs/r.cpGBs)
	}
	fmt.Fprintf(stdout, "(median of 5 runs of %v each; see BENCHMARKS.md for the full method)\n", *per)
	return nil
}

// throughput runs f (which processes n bytes) repeatedly for about d, five
// times, and returns the median rate in GB/s.
func throughput(ctx context.Context, n int, d time.Duration, f func()) (float64, error) {
	// Calibrate: how many calls fit in a fifth of d.
	iters := 1
	for {
		start := time.Now()
		for range iters {
			f()
		}
		el := time.Since(start)
		if el >= d/5 || iters >= 1<<30 {
			iters = max(1, int(float64(iters)*float64(d)/float64(max(el, time.Microsecond))))
			break
		}
		iters *= 4
	}
	var rates []float64
	for range 5 {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		start := time.Now()
		for range iters {
			f()
		}
		el := time.Since(start)
		rates = append(rates, float64(n)*float64(iters)/el.Seconds()/1e9)
	}
	slices.Sort(rates)
	return rates[len(rates)/2], nil
}

func sizeLabel(n int) string {
	if n >= 1<<10 && n%(1<<10) == 0 {
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}
