package loadgen

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
)

// svgColors are the bar colors, one per server, in order.
var svgColors = []string{"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"}

// WriteSVG draws the medians of messages per server-CPU-second as a
// horizontal bar chart, one group of bars per cell and one bar per server
// (generated, so that BENCHMARKS.md can embed the chart of a run as it
// came). Servers without a value in a cell get no bar.
func (res *CompareResult) WriteSVG(w io.Writer) error {
	const (
		left, right, top = 150, 90, 40
		barH, gap, width = 16, 14, 760
	)
	var peak float64
	for _, sr := range res.Servers {
		for _, c := range res.Cells {
			if s := sr.Medians[c.String()]; s.Err == "" {
				peak = max(peak, s.MsgPerCPUSecond)
			}
		}
	}
	if peak <= 0 {
		peak = 1
	}
	n := len(res.Servers)
	height := top + len(res.Cells)*(n*barH+gap+18) + 20
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">`+"\n", width, height)
	fmt.Fprintf(&b, `<text x="10" y="20" font-size="14" font-weight="bold">messages per server-CPU-second (median of %d rounds; longer is better)</text>`+"\n", res.Rounds)
	y := top
	for _, c := range res.Cells {
		fmt.Fprintf(&b, `<text x="10" y="%d" font-weight="bold">%s</text>`+"\n", y+12, esc(c.String()))
		y += 18
		for i, sr := range res.Servers {
			s, ok := sr.Medians[c.String()]
			fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", left-6, y+barH-4, esc(sr.Name))
			if ok && s.Err == "" {
				bw := int(float64(width-left-right) * s.MsgPerCPUSecond / peak)
				fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s"/>`+"\n", left, y, max(bw, 1), barH-2, svgColors[i%len(svgColors)])
				fmt.Fprintf(&b, `<text x="%d" y="%d">%s</text>`+"\n", left+max(bw, 1)+4, y+barH-4, kilo(s.MsgPerCPUSecond))
			}
			y += barH
		}
		y += gap
	}
	b.WriteString("</svg>\n")
	_, err := w.Write(b.Bytes())
	return err
}

// esc escapes text for SVG.
func esc(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
