package loadgen

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"time"
)

// latencyMarks are the percentiles the latency chart draws, with their
// colors.
var latencyMarks = []struct {
	name  string
	color string
	get   func(Sample) time.Duration
}{
	{"p50", "#1f77b4", func(s Sample) time.Duration { return s.P50 }},
	{"p90", "#2ca02c", func(s Sample) time.Duration { return s.P90 }},
	{"p99", "#ff7f0e", func(s Sample) time.Duration { return s.P99 }},
	{"p99.9", "#d62728", func(s Sample) time.Duration { return s.P999 }},
}

// WriteLatencySVG draws the medians of the latency percentiles (p50, p90,
// p99, p99.9) on a logarithmic axis: one row per server in each cell, a
// line from p50 to p99.9 with a dot at each percentile. Servers without a
// value in a cell get an empty row.
func (res *CompareResult) WriteLatencySVG(w io.Writer) error {
	const (
		left, right, top = 150, 30, 58
		rowH, gap, width = 18, 12, 760
	)
	lo, hi := time.Duration(math.MaxInt64), time.Duration(0)
	for _, sr := range res.Servers {
		for _, c := range res.Cells {
			s, ok := sr.Medians[c.String()]
			if !ok || s.Err != "" {
				continue
			}
			for _, m := range latencyMarks {
				if v := m.get(s); v > 0 {
					lo, hi = min(lo, v), max(hi, v)
				}
			}
		}
	}
	if hi == 0 {
		lo, hi = time.Microsecond, time.Millisecond
	}
	// The axis spans whole decades around the values.
	dlo := math.Floor(math.Log10(float64(lo)))
	dhi := max(math.Ceil(math.Log10(float64(hi))), dlo+1)
	plotW := float64(width - left - right)
	x := func(d time.Duration) float64 {
		return float64(left) + plotW*(math.Log10(float64(d))-dlo)/(dhi-dlo)
	}
	n := len(res.Servers)
	height := top + len(res.Cells)*(n*rowH+gap+18) + 24
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">`+"\n", width, height)
	fmt.Fprintf(&b, `<text x="10" y="20" font-size="14" font-weight="bold">round-trip latency percentiles (median of %d rounds; log scale, left is better)</text>`+"\n", res.Rounds)
	lx := left
	for _, m := range latencyMarks {
		fmt.Fprintf(&b, `<circle cx="%d" cy="36" r="4" fill="%s"/><text x="%d" y="40">%s</text>`+"\n", lx, m.color, lx+8, m.name)
		lx += 70
	}
	bottom := height - 24
	for d := dlo; d <= dhi; d++ {
		tx := x(time.Duration(math.Pow(10, d)))
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>`+"\n", tx, top, tx, bottom)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n", tx, bottom+14, time.Duration(math.Pow(10, d)))
	}
	y := top
	for _, c := range res.Cells {
		fmt.Fprintf(&b, `<text x="10" y="%d" font-weight="bold">%s</text>`+"\n", y+12, esc(c.String()))
		y += 18
		for _, sr := range res.Servers {
			cy := y + rowH/2
			fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", left-6, cy+4, esc(sr.Name))
			s, ok := sr.Medians[c.String()]
			if ok && s.Err == "" && s.P50 > 0 && s.P999 > 0 {
				fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#999" stroke-width="2"/>`+"\n", x(s.P50), cy, x(s.P999), cy)
				for _, m := range latencyMarks {
					if v := m.get(s); v > 0 {
						fmt.Fprintf(&b, `<circle cx="%.1f" cy="%d" r="4" fill="%s"><title>%s %s</title></circle>`+"\n", x(v), cy, m.color, m.name, round(v))
					}
				}
			}
			y += rowH
		}
		y += gap
	}
	b.WriteString("</svg>\n")
	_, err := w.Write(b.Bytes())
	return err
}

// WriteIdleSVG draws the medians of the server's RSS per idle connection
// as a horizontal bar chart, one bar per server (servers without an idle
// measurement get none).
func (res *CompareResult) WriteIdleSVG(w io.Writer) error {
	const (
		left, right, top = 150, 90, 40
		barH, width      = 18, 760
	)
	var peak float64
	for _, sr := range res.Servers {
		peak = max(peak, sr.IdleMedian)
	}
	if peak <= 0 {
		peak = 1
	}
	height := top + len(res.Servers)*barH + 20
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">`+"\n", width, height)
	fmt.Fprintf(&b, `<text x="10" y="20" font-size="14" font-weight="bold">server RSS per idle connection, %d connections (median of %d rounds; shorter is better)</text>`+"\n", res.IdleConns, res.Rounds)
	y := top
	for i, sr := range res.Servers {
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", left-6, y+barH-5, esc(sr.Name))
		if sr.IdleMedian > 0 {
			bw := int(float64(width-left-right) * sr.IdleMedian / peak)
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s"/>`+"\n", left, y, max(bw, 1), barH-3, svgColors[i%len(svgColors)])
			fmt.Fprintf(&b, `<text x="%d" y="%d">%s</text>`+"\n", left+max(bw, 1)+4, y+barH-5, bytesLabel(sr.IdleMedian))
		}
		y += barH
	}
	b.WriteString("</svg>\n")
	_, err := w.Write(b.Bytes())
	return err
}

// bytesLabel prints a byte count in kB (10³) with 3 significant digits,
// as BENCHMARKS.md's tables do.
func bytesLabel(v float64) string {
	if v < 1000 {
		return fmt.Sprintf("%.0f B", v)
	}
	return fmt.Sprintf("%.3g KB", v/1000)
}
