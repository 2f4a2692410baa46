package loadgen

import (
	"bytes"
	"fmt"
	"io"
	"math"
)

// WriteSVG draws bytes per second by size as a line chart, one line per
// series, both axes logarithmic (generated, so that BENCHMARKS.md can
// embed the chart of a run as it came).
func (res *KernelResult) WriteSVG(w io.Writer) error {
	const (
		left, right, top, bottom = 70, 190, 40, 50
		width, height            = 860, 420
	)
	pw, ph := float64(width-left-right), float64(height-top-bottom)
	lo, hi := math.Inf(1), 0.0
	for _, s := range res.Series {
		for _, p := range s.Points {
			if p.BytesPerSecond > 0 {
				lo, hi = min(lo, p.BytesPerSecond), max(hi, p.BytesPerSecond)
			}
		}
	}
	if hi <= 0 {
		lo, hi = 1e9, 1e10
	}
	ylo, yhi := math.Floor(math.Log10(lo)), math.Ceil(math.Log10(hi))
	if yhi <= ylo {
		yhi = ylo + 1
	}
	nx := max(len(res.Sizes)-1, 1)
	xAt := func(i int) float64 { return float64(left) + pw*float64(i)/float64(nx) }
	yAt := func(v float64) float64 {
		return float64(top) + ph*(1-(math.Log10(max(v, 1))-ylo)/(yhi-ylo))
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">`+"\n", width, height)
	fmt.Fprintf(&b, `<text x="10" y="20" font-size="14" font-weight="bold">kernel throughput by buffer size (GB/s, log scale; higher is better)</text>`+"\n")
	for e := ylo; e <= yhi; e++ {
		y := yAt(math.Pow(10, e))
		fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#ddd"/>`+"\n", left, y, float64(left)+pw, y)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end">%g</text>`+"\n", left-6, y+4, math.Pow(10, e)/1e9)
	}
	for i, n := range res.Sizes {
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n", xAt(i), height-bottom+18, esc(sizeLabel(n)))
	}
	for si, s := range res.Series {
		color := svgColors[si%len(svgColors)]
		dash := ""
		if s.Kernel == "" {
			dash = ` stroke-dasharray="5,4"`
		}
		b.WriteString(`<polyline fill="none" stroke-width="2" stroke="` + color + `"` + dash + ` points="`)
		for i, p := range s.Points {
			fmt.Fprintf(&b, "%.1f,%.1f ", xAt(i), yAt(p.BytesPerSecond))
		}
		b.WriteString("\"/>\n")
		name := s.Name
		if s.Best {
			name += " (auto)"
		}
		ly := top + 16*si
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2"%s/>`+"\n", width-right+10, ly, width-right+30, ly, color, dash)
		fmt.Fprintf(&b, `<text x="%d" y="%d">%s</text>`+"\n", width-right+34, ly+4, esc(name))
	}
	b.WriteString("</svg>\n")
	_, err := w.Write(b.Bytes())
	return err
}
