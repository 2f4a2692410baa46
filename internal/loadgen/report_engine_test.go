package loadgen

import (
	"bytes"
	"strings"
	"testing"
)

// The report's machine line names the generator's engine: it said "one
// event loop" after a run with --engine uring too.
func TestReportNamesEngine(t *testing.T) {
	for _, tc := range []struct{ engine, want string }{
		{"", "the generator (one event loop)"},
		{"loop", "the generator (one event loop)"},
		{"uring", "the generator (io_uring)"},
	} {
		res := &CompareResult{Engine: tc.engine, Machine: &Machine{CPU: "x", Cores: 2, GeneratorCPUs: "1", ServerCPU: 0}}
		var b bytes.Buffer
		if err := res.WriteReport(&b, "", ReportCharts{}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), tc.want) {
			t.Errorf("engine %q: no %q in %q", tc.engine, tc.want, b.String())
		}
	}
}
