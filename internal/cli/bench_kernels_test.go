package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/nvx"
	"github.com/autobahn-go/autobahn/xor"
)

// `autobahn bench kernels` with two sizes and a few ms per cell: the
// JSON names every xor implementation nvx can run here and the copy()
// baseline, the chart is written, and the table has every series.
func TestBenchKernelsCommand(t *testing.T) {
	svg := filepath.Join(t.TempDir(), "k.svg")
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"bench", "kernels", "-sizes", "16,1k", "-time", "2ms", "-json", "-svg", svg}, &out, &errb); err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	var res struct {
		Sizes  []int `json:"sizes"`
		Series []struct {
			Name   string `json:"name"`
			Points []struct {
				Size int     `json:"size"`
				Rate float64 `json:"bytes_per_s"`
			} `json:"points"`
		} `json:"series"`
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	names := map[string]bool{}
	for _, s := range res.Series {
		names[s.Name] = true
		if len(s.Points) != 2 || s.Points[1].Size != 1024 || s.Points[1].Rate <= 0 {
			t.Errorf("%s: %+v", s.Name, s.Points)
		}
	}
	want := []string{"copy()", "read-only"}
	for _, impl := range nvx.List(xor.Kernel) {
		want = append(want, "xor.Mask/"+impl)
	}
	for _, impl := range nvx.List("utf8") {
		want = append(want, "utf8.Valid/"+impl)
	}
	for _, n := range want {
		if !names[n] {
			t.Errorf("no series %q in %v", n, names)
		}
	}
	b, err := os.ReadFile(svg)
	if err != nil || !strings.Contains(string(b), "<polyline") {
		t.Errorf("chart: %v %.100q", err, b)
	}

	out.Reset()
	if err := run(context.Background(), []string{"bench", "kernels", "-sizes", "64", "-time", "1ms"}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "xor.Mask/generic") || !strings.Contains(out.String(), "64 B") {
		t.Errorf("table:\n%s", out.String())
	}
	for _, bad := range [][]string{{"-sizes", "x"}, {"-sizes", "0"}, {"extra"}} {
		if err := run(context.Background(), append([]string{"bench", "kernels"}, bad...), &out, &errb); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}
