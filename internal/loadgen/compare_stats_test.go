package loadgen

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// statsResult makes a one-cell result: vals[server][round], 0 an error.
func statsResult(vals [][]float64) *CompareResult {
	res := &CompareResult{Cells: []Cell{{10, 32}}, Rounds: len(vals[0])}
	for i, vs := range vals {
		sr := &ServerResult{Name: string(rune('a' + i)), Cells: map[string][]Sample{}}
		for _, v := range vs {
			s := Sample{MsgPerCPUSecond: v}
			if v == 0 {
				s.Err = "refused"
			}
			sr.Cells["10×32 B"] = append(sr.Cells["10×32 B"], s)
		}
		res.Servers = append(res.Servers, sr)
	}
	return res
}

func TestLoadgenCompareRelative(t *testing.T) {
	// True values 100, 200, 400 (geometric mean 200), each round scaled by
	// the machine (×1, ×0.5, ×2); b failed in round 2, which leaves that
	// round's reference the geometric mean of a and c, 200×0.5 again.
	res := statsResult([][]float64{
		{100, 50, 200},
		{200, 0, 400},
		{400, 200, 800},
	})
	res.normalize()
	near := func(x, y float64) bool { return math.Abs(x-y) < 1e-9*y }
	for i, want := range []float64{0.5, 1, 2} {
		sr := res.Servers[i]
		if !near(sr.Relative["10×32 B"], want) || !near(sr.Normalized["10×32 B"], want*200) {
			t.Errorf("%s: relative %v normalized %v; want %v, %v", sr.Name, sr.Relative, sr.Normalized, want, want*200)
		}
	}

	// The absolute medians get a and b in the wrong order here, the ratios
	// do not: a is 10 % above b in every round, but b's rounds fell on the
	// machine's fast moments.
	res = statsResult([][]float64{
		{110, 55, 220, 66, 132},
		{100, 80, 200, 60, 120},
		{100, 50, 200, 60, 120},
	})
	res.Servers[1].Cells["10×32 B"][1].MsgPerCPUSecond = 100 // b's round 2: fast
	res.Servers[1].Cells["10×32 B"][3].MsgPerCPUSecond = 150 // and round 4
	abs := func(i int) float64 {
		var v []float64
		for _, s := range res.Servers[i].Cells["10×32 B"] {
			v = append(v, s.MsgPerCPUSecond)
		}
		return median(v)
	}
	if abs(0) >= abs(1) {
		t.Fatalf("test data: absolute medians a %v b %v, want b above", abs(0), abs(1))
	}
	res.normalize()
	if a, b := res.Servers[0].Relative["10×32 B"], res.Servers[1].Relative["10×32 B"]; a <= b {
		t.Errorf("relative a %v <= b %v", a, b)
	}

	// No round with two values: no ranking, and none in the Markdown.
	res = statsResult([][]float64{{100, 0}, {0, 0}})
	res.normalize()
	if res.ranked() || res.Servers[0].Relative != nil {
		t.Errorf("ranked with one value per round: %+v", res.Servers[0])
	}
}

// naiveRelative is the reference computation: for every round, the
// n-th root of the product of its values; the median of the sorted ratios.
func naiveRelative(vals [][]float64, server int) (float64, bool) {
	var ratios []float64
	for r := range vals[0] {
		prod, n := 1.0, 0
		for _, vs := range vals {
			if vs[r] > 0 {
				prod *= vs[r]
				n++
			}
		}
		if n < 2 || vals[server][r] == 0 {
			continue
		}
		ratios = append(ratios, vals[server][r]/math.Pow(prod, 1/float64(n)))
	}
	if len(ratios) == 0 {
		return 0, false
	}
	slices.Sort(ratios)
	k := len(ratios)
	if k%2 == 1 {
		return ratios[k/2], true
	}
	return (ratios[k/2-1] + ratios[k/2]) / 2, true
}

func TestLoadgenCompareRelativeDifferential(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 500 {
		servers, rounds := 1+rng.IntN(8), 1+rng.IntN(7)
		vals := make([][]float64, servers)
		for i := range vals {
			for range rounds {
				v := 1e3 + rng.Float64()*1e6
				if rng.IntN(6) == 0 {
					v = 0
				}
				vals[i] = append(vals[i], v)
			}
		}
		res := statsResult(vals)
		res.normalize()
		for i, sr := range res.Servers {
			want, ok := naiveRelative(vals, i)
			got, gok := sr.Relative["10×32 B"]
			if ok != gok || (ok && math.Abs(got-want) > 1e-9*want) {
				t.Fatalf("%v server %d: relative %v (%v), want %v (%v)", vals, i, got, gok, want, ok)
			}
		}
	}
}

func TestLoadgenCompareRankingMarkdown(t *testing.T) {
	res := statsResult([][]float64{{100, 50, 200}, {200, 100, 400}})
	res.Servers[0].Medians = map[string]Sample{"10×32 B": {MsgPerCPUSecond: 100}}
	res.Servers[1].Medians = map[string]Sample{"10×32 B": {MsgPerCPUSecond: 200}}
	res.normalize()
	var sb strings.Builder
	if err := res.WriteMarkdown(&sb); err != nil {
		t.Fatal(err)
	}
	// Reference per round: √2 × 100 × (1, 0.5, 2); a's ratio 1/√2 every
	// round, times the references' geometric mean, √2 × 100: 100.
	_, table, ok := strings.Cut(sb.String(), "for ranking")
	if !ok {
		t.Fatalf("no ranking table:\n%s", sb.String())
	}
	for _, want := range []string{"| a | 100 |", "| b | 200 |"} {
		if !strings.Contains(table, want) {
			t.Errorf("ranking table lacks %q:\n%s", want, table)
		}
	}
}

func TestLoadgenCompareReportRanking(t *testing.T) {
	res := reportFixture()
	res.ServerCPUClock = CPUClockExact
	res.Servers[0].Normalized = map[string]float64{"1000×32 B": 101000}
	var sb strings.Builder
	if err := res.WriteReport(&sb, "", ReportCharts{}); err != nil {
		t.Fatal(err)
	}
	md := sb.String()
	for _, want := range []string{"from its process CPU clock", "**For ranking**", "| fast | 101.0k | – |\n| slow<1> | – | – |\n"} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
}

// TestLoadgenCompareBehind: in the open loop, a server that answered less
// than 90 % of the offered rate is marked in every CPU table, with the
// note, and one that kept up is not; the closed loop marks nothing.
func TestLoadgenCompareBehind(t *testing.T) {
	res := statsResult([][]float64{{100, 100}, {200, 200}})
	res.MsgRate = 1000
	res.Servers[0].Medians = map[string]Sample{"10×32 B": {MsgPerCPUSecond: 100, MsgPerSecond: 895}}
	res.Servers[1].Medians = map[string]Sample{"10×32 B": {MsgPerCPUSecond: 200, MsgPerSecond: 905}}
	res.normalize()
	var md, rep strings.Builder
	if err := res.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	if err := res.WriteReport(&rep, "", ReportCharts{}); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"markdown": md.String(), "report": rep.String()} {
		if n := strings.Count(out, "| a | 100 †"); n != 2 {
			t.Errorf("%s: a marked %d times, want 2 (medians and ranking):\n%s", name, n, out)
		}
		if strings.Contains(out, "| b | 200 †") || !strings.Contains(out, "| b | 200 |") {
			t.Errorf("%s: b kept up and is marked or missing:\n%s", name, out)
		}
		if strings.Count(out, "† answered less than 90 % of the offered 1000 messages per second") != 1 {
			t.Errorf("%s: the note is not there once:\n%s", name, out)
		}
	}
	res.MsgRate = 0
	md.Reset()
	if err := res.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(md.String(), "†") {
		t.Errorf("closed loop marked:\n%s", md.String())
	}
}
