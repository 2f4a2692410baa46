package loadgen

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// A server's name (from --server name=..., or a JSON result given to
// bench report) is text in the Markdown tables: a pipe in it split the
// row into one more column than the header, a line break ended the row.
func TestReview18MarkdownNameEscaped(t *testing.T) {
	cell := Cell{Conns: 10, Size: 32}
	res := &CompareResult{Cells: []Cell{cell}, Rounds: 1, IdleConns: 5}
	for _, name := range []string{"plain", "a|b", "two\nlines", `back\|slash`} {
		sr := &ServerResult{Name: name, Cells: map[string][]Sample{cell.String(): {{MsgPerSecond: 1000, MsgPerCPUSecond: 2000, ServerCPU: 50, GeneratorCPU: 40}}},
			Medians: map[string]Sample{cell.String(): {MsgPerSecond: 1000, MsgPerCPUSecond: 2000, ServerCPU: 50, GeneratorCPU: 40}}, IdleMedian: 100}
		res.Servers = append(res.Servers, sr)
	}
	res.normalize()
	var md, rep bytes.Buffer
	if err := res.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	if err := res.WriteReport(&rep, "", ReportCharts{}); err != nil {
		t.Fatal(err)
	}
	unescaped := regexp.MustCompile(`(^|[^\\])\|`)
	for _, out := range []string{md.String(), rep.String()} {
		cols := -1
		for _, line := range strings.Split(out, "\n") {
			if line == "" {
				cols = -1 // a table ends at a blank line
				continue
			}
			if !strings.HasPrefix(line, "|") {
				if cols >= 0 {
					t.Errorf("a table row broken off: %q", line)
				}
				continue
			}
			n := len(unescaped.FindAllString(line, -1))
			if cols < 0 {
				cols = n
			} else if n != cols {
				t.Errorf("row %q has %d column separators, the header %d", line, n, cols)
			}
		}
	}
}

// A compare's open-loop rate that no cell can run (NaN, infinite,
// negative) is refused before any server starts: every cell failed one
// by one, and then a NaN rate made the JSON result unwritable
// ("json: unsupported value: NaN") after the whole matrix ran.
func TestReview18CompareRateRefused(t *testing.T) {
	t.Setenv(review18HalfEnv, "1")
	for _, rate := range []float64{math.NaN(), math.Inf(1), -1} {
		m := &Compare{
			Servers: []Server{{Name: "half", Args: []string{os.Args[0], "-test.run=^TestReview18HelperHalfServer$", "{addr}"}}},
			Cells:   []Cell{{Conns: 1, Size: 32}}, Rounds: 1, ServerCPU: -1, MsgRate: rate,
			Warmup: 10 * time.Millisecond, Duration: 50 * time.Millisecond,
		}
		res, err := m.Start(t.Context())
		if err == nil {
			_, jerr := json.Marshal(res)
			t.Errorf("rate %v: ran the matrix (JSON: %v), want it refused", rate, jerr)
		}
	}
}
