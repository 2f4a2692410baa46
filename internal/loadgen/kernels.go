package loadgen

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/autobahn-go/autobahn/nvx"
	"github.com/autobahn-go/autobahn/utf8"
	"github.com/autobahn-go/autobahn/xor"
)

// DefaultKernelSizes are the buffer lengths of a Kernels run: 16 B to
// 1 MiB, by powers of four.
var DefaultKernelSizes = []int{16, 64, 256, 1 << 10, 4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20}

// MaxKernelSize bounds Kernels.Sizes (two buffers of it are allocated).
const MaxKernelSize = 64 << 20

// Kernels measures the throughput of the nvx kernels (xor.Mask,
// utf8.Valid) at every size, once per implementation the nvx package
// lists as runnable here (forced with nvx.Select, restored with nvx.Reset
// afterwards), against two baselines: copy() (read and write, like
// xor.Mask's in-place pass) and a read-only pass (bytes.IndexByte for a
// byte that is not there). Peers' kernels (gobwas/ws's mask …) live in
// the bench module and are not measured here.
//
// Kernels changes the process-wide kernel choice while it runs: run it
// alone.
type Kernels struct {
	Sizes []int         // default DefaultKernelSizes
	Time  time.Duration // measuring time per cell (the median of 5 runs is kept); default 100 ms
	// Progress, if set, is called before each cell.
	Progress func(done, total int, series string, size int)
}

// KernelResult is the outcome of a Kernels run.
type KernelResult struct {
	CPU    string         `json:"cpu"` // the SIMD features nvx sees
	Sizes  []int          `json:"sizes"`
	Series []KernelSeries `json:"series"`
}

// KernelSeries is one kernel implementation or baseline over all sizes.
type KernelSeries struct {
	Name   string        `json:"name"`             // "xor.Mask/avx2", "copy()", …
	Kernel string        `json:"kernel,omitempty"` // nvx kernel name; "" for a baseline
	Impl   string        `json:"impl,omitempty"`
	Best   bool          `json:"best,omitempty"` // the automatic choice
	Points []KernelPoint `json:"points"`
}

// KernelPoint is one measured cell.
type KernelPoint struct {
	Size           int     `json:"size"`
	BytesPerSecond float64 `json:"bytes_per_s"`
}

type kernelCase struct {
	name, kernel, impl string
	f                  func(dst, src []byte)
}

// Start measures every cell; ctx ends it early with ctx.Err().
func (k *Kernels) Start(ctx context.Context) (*KernelResult, error) {
	sizes := k.Sizes
	if len(sizes) == 0 {
		sizes = DefaultKernelSizes
	}
	for _, n := range sizes {
		if n < 1 || n > MaxKernelSize {
			return nil, fmt.Errorf("loadgen: kernel size %d out of range 1..%d", n, MaxKernelSize)
		}
	}
	per := k.Time
	if per <= 0 {
		per = 100 * time.Millisecond
	}
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	cases := []kernelCase{
		{name: "copy()", f: func(dst, src []byte) { copy(dst, src) }},
		{name: "read-only", f: func(_, src []byte) { bytes.IndexByte(src, 0xff) }},
	}
	for _, impl := range nvx.List(xor.Kernel) {
		cases = append(cases, kernelCase{name: "xor.Mask/" + impl, kernel: xor.Kernel, impl: impl,
			f: func(dst, _ []byte) { xor.Mask(dst, key, 0) }})
	}
	for _, impl := range nvx.List("utf8") {
		cases = append(cases, kernelCase{name: "utf8.Valid/" + impl, kernel: "utf8", impl: impl,
			f: func(_, src []byte) { utf8.Valid(src) }})
	}
	maxN := slices.Max(sizes)
	src, dst := make([]byte, maxN), make([]byte, maxN)
	// Valid UTF-8 with multi-byte runes (utf8.Valid reads it all) and
	// no 0xff byte (the read-only pass reads it all).
	pat := []byte("autobahn é ü € 𝄞 ")
	for i := range src {
		src[i] = pat[i%len(pat)]
	}
	res := &KernelResult{CPU: strings.Join(nvx.CPU().Names(), " "), Sizes: slices.Clone(sizes)}
	total, done := len(cases)*len(sizes), 0
	for _, c := range cases {
		s := KernelSeries{Name: c.name, Kernel: c.kernel, Impl: c.impl}
		if c.kernel != "" {
			s.Best = nvx.Best(c.kernel) == c.impl
			if err := nvx.Select(c.kernel, c.impl); err != nil {
				return nil, err
			}
		}
		for _, n := range sizes {
			if k.Progress != nil {
				k.Progress(done, total, c.name, n)
			}
			done++
			d, sb := dst[:n], src[:n]
			rate, err := cellRate(ctx, n, per, func() { c.f(d, sb) })
			if err != nil {
				if c.kernel != "" {
					nvx.Reset(c.kernel)
				}
				return nil, err
			}
			s.Points = append(s.Points, KernelPoint{Size: n, BytesPerSecond: rate})
		}
		if c.kernel != "" {
			nvx.Reset(c.kernel)
		}
		res.Series = append(res.Series, s)
	}
	return res, nil
}

// cellRate runs f (which processes n bytes) repeatedly for about d, five
// times, and returns the median rate in bytes per second.
func cellRate(ctx context.Context, n int, d time.Duration, f func()) (float64, error) {
	iters := 1
	for {
		start := time.Now()
		for range iters {
			f()
		}
		el := time.Since(start)
		if el >= d/5 || iters >= 1<<30 {
			iters = max(1, int(float64(iters)*float64(d)/5/float64(max(el, time.Microsecond))))
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
		el := max(time.Since(start), time.Nanosecond)
		rates = append(rates, float64(n)*float64(iters)/el.Seconds())
	}
	slices.Sort(rates)
	return rates[len(rates)/2], nil
}

// WriteText writes a table: one row per size, one column per series, in
// GB/s, the automatic choice marked with '*'.
func (res *KernelResult) WriteText(w io.Writer) error {
	fmt.Fprintf(w, "cpu: %s\n", res.CPU)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "size\t")
	for _, s := range res.Series {
		name := s.Name
		if s.Best {
			name += "*"
		}
		fmt.Fprintf(tw, "%s\t", name)
	}
	fmt.Fprintln(tw)
	for i, n := range res.Sizes {
		fmt.Fprintf(tw, "%s\t", sizeLabel(n))
		for _, s := range res.Series {
			fmt.Fprintf(tw, "%.2f\t", s.Points[i].BytesPerSecond/1e9)
		}
		fmt.Fprintln(tw)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, "GB/s (1e9 bytes per second), median of 5 runs per cell; * = the automatic choice; peers' kernels: see the bench module")
	return err
}

// ParseSizeList parses a comma-separated list of sizes ("16,1k,1m"), in
// the units ParseSizes accepts.
func ParseSizeList(s string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := parseSize(strings.TrimSpace(f))
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}
