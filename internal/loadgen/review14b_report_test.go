package loadgen

import (
	"strings"
	"testing"
)

// A round that failed (the server crashed, no connection opened) is left
// out of the medians; the report must still say so instead of "No errors:
// every message sent in the measured time was answered".
func TestReview14bReportNamesFailedRound(t *testing.T) {
	const key = "10×32 B"
	res := &CompareResult{Cells: []Cell{{10, 32}}, Rounds: 3, Servers: []*ServerResult{{
		Name: "flaky",
		Cells: map[string][]Sample{key: {
			{MsgPerSecond: 1000, MsgPerCPUSecond: 5000, ServerCPU: 20},
			{Err: "loadgen: no connection opened"},
			{MsgPerSecond: 1100, MsgPerCPUSecond: 5500, ServerCPU: 20},
		}},
	}}}
	res.Servers[0].Medians = map[string]Sample{key: medianSample(res.Servers[0].Cells[key])}
	var sb strings.Builder
	if err := res.WriteReport(&sb, "", ReportCharts{}); err != nil {
		t.Fatal(err)
	}
	md := sb.String()
	if strings.Contains(md, "No errors") {
		t.Errorf("a failed round, yet the report says there was no error:\n%s", md)
	}
	if !strings.Contains(md, "no connection opened") || !strings.Contains(md, "round 2") {
		t.Errorf("the report does not name the failed round 2 and its error:\n%s", md)
	}
}
