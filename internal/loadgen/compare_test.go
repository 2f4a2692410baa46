package loadgen

import (
	"context"
	"encoding/xml"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestLoadgenCompareParts(t *testing.T) {
	s, err := ParseServer("mine=/bin/srv -listen {addr} -v")
	if err != nil || s.Name != "mine" || len(s.Args) != 4 || s.Args[2] != "{addr}" {
		t.Fatalf("ParseServer = %+v, %v", s, err)
	}
	for _, bad := range []string{"", "x", "=/bin/srv {addr}", "x=", "x=/bin/srv"} {
		if _, err := ParseServer(bad); err == nil {
			t.Errorf("ParseServer(%q): no error", bad)
		}
	}
	if got := (Cell{Conns: 1000, Size: 4096}).String(); got != "1000×4 KiB" {
		t.Errorf("cell %q", got)
	}
	if median([]float64{3, 1, 2}) != 2 || median([]float64{4, 1, 2, 3}) != 2.5 {
		t.Error("median")
	}
	m := medianSample([]Sample{
		{MsgPerSecond: 10, MsgPerCPUSecond: 20, P50: 1, P99: 5},
		{Err: "refused"},
		{MsgPerSecond: 30, MsgPerCPUSecond: 40, P50: 3, P99: 7, Errors: 1},
	})
	if m.Err != "" || m.MsgPerSecond != 20 || m.MsgPerCPUSecond != 30 || m.P50 != 2 || m.P99 != 6 || m.Errors != 1 {
		t.Errorf("medianSample = %+v", m)
	}
	if m := medianSample([]Sample{{Err: "a"}}); m.Err != "a" {
		t.Errorf("all failed: %+v", m)
	}
	res := &CompareResult{Cells: []Cell{{10, 32}}, Rounds: 1, IdleConns: 5, Servers: []*ServerResult{
		{Name: "a", Medians: map[string]Sample{"10×32 B": {MsgPerCPUSecond: 123456, P99: time.Millisecond}}, IdleMedian: 4000},
		{Name: "b", Medians: map[string]Sample{"10×32 B": {Err: "x"}}},
	}}
	var sb strings.Builder
	if err := res.WriteMarkdown(&sb); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| server | 10×32 B |", "| a | 123.5k |", "| b | error |", "| a | 4000 |", "| a | 1ms |"} {
		if !strings.Contains(sb.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, sb.String())
		}
	}
	// A server that cannot start: a clear error, nothing left running.
	_, err = (&Compare{Servers: []Server{{Name: "none", Args: []string{"/nonexistent/server", "{addr}"}}},
		Cells: []Cell{{1, 32}}, Rounds: 1, Duration: time.Millisecond, ServerCPU: -1}).Start(context.Background())
	if err == nil || !strings.Contains(err.Error(), "server none") {
		t.Errorf("missing server: %v", err)
	}
	_, err = (&Compare{Servers: []Server{{Name: "quits", Args: []string{"/bin/sh", "-c", "exit 3", "{addr}"}}},
		Cells: []Cell{{1, 32}}, Rounds: 1, Duration: time.Millisecond, ServerCPU: -1}).Start(context.Background())
	if err == nil || !strings.Contains(err.Error(), "exited before accepting") {
		t.Errorf("server that quits: %v", err)
	}
	if _, err := (&Compare{}).Start(context.Background()); err == nil {
		t.Error("empty matrix: no error")
	}
}

func TestLoadgenCompareSVG(t *testing.T) {
	res := &CompareResult{Cells: []Cell{{10, 32}, {10, 4096}}, Rounds: 3, Servers: []*ServerResult{
		{Name: "a<&>", Medians: map[string]Sample{"10×32 B": {MsgPerCPUSecond: 200000}, "10×4 KiB": {MsgPerCPUSecond: 100000}}},
		{Name: "b", Medians: map[string]Sample{"10×32 B": {MsgPerCPUSecond: 50000}, "10×4 KiB": {Err: "x"}}},
	}}
	var sb strings.Builder
	if err := res.WriteSVG(&sb); err != nil {
		t.Fatal(err)
	}
	// Well-formed XML with one bar per value and the longest bar for the
	// largest value.
	d := xml.NewDecoder(strings.NewReader(sb.String()))
	var widths []int
	var texts []string
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not XML: %v\n%s", err, sb.String())
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			if tk.Name.Local == "rect" {
				for _, a := range tk.Attr {
					if a.Name.Local == "width" {
						w, _ := strconv.Atoi(a.Value)
						widths = append(widths, w)
					}
				}
			}
		case xml.CharData:
			texts = append(texts, string(tk))
		}
	}
	if len(widths) != 3 || widths[0] != 4*widths[1] || widths[0] != 2*widths[2] {
		t.Fatalf("bar widths %v, want 3 bars in the ratio 4:1:2 (200k, 50k; 100k)", widths)
	}
	all := strings.Join(texts, "|")
	for _, want := range []string{"a<&>", "10×4 KiB", "200.0k", "50.0k"} {
		if !strings.Contains(all, want) {
			t.Errorf("chart lacks %q: %s", want, all)
		}
	}
}
