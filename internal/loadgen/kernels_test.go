package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/nvx"
	"github.com/autobahn-go/autobahn/xor"
)

// A tiny Kernels run: every implementation nvx lists and both baselines
// appear, with a positive rate at every size, and the choice is restored.
func TestKernelsRun(t *testing.T) {
	before := nvx.Selected(xor.Kernel)
	var calls int
	k := &Kernels{Sizes: []int{16, 4096}, Time: 2 * time.Millisecond,
		Progress: func(done, total int, _ string, _ int) { calls++ }}
	res, err := k.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := nvx.Selected(xor.Kernel); got != before {
		t.Errorf("xor choice after the run: %q, want %q", got, before)
	}
	want := []string{"copy()", "read-only"}
	for _, impl := range nvx.List(xor.Kernel) {
		want = append(want, "xor.Mask/"+impl)
	}
	for _, impl := range nvx.List("utf8") {
		want = append(want, "utf8.Valid/"+impl)
	}
	if len(res.Series) != len(want) {
		t.Fatalf("%d series, want %d (%v)", len(res.Series), len(want), want)
	}
	bests := 0
	for i, s := range res.Series {
		if s.Name != want[i] {
			t.Errorf("series %d is %q, want %q", i, s.Name, want[i])
		}
		if s.Best {
			bests++
		}
		if len(s.Points) != 2 || s.Points[0].Size != 16 || s.Points[1].Size != 4096 {
			t.Errorf("%s: points %+v", s.Name, s.Points)
		}
		for _, p := range s.Points {
			if !(p.BytesPerSecond > 0) {
				t.Errorf("%s at %d: rate %v", s.Name, p.Size, p.BytesPerSecond)
			}
		}
	}
	if bests != 2 {
		t.Errorf("%d series marked best, want one per kernel", bests)
	}
	if calls != len(want)*2 {
		t.Errorf("progress called %d times, want %d", calls, len(want)*2)
	}

	// The JSON shape.
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var shape struct {
		CPU    *string `json:"cpu"`
		Sizes  []int   `json:"sizes"`
		Series []struct {
			Name   string `json:"name"`
			Points []struct {
				Size int     `json:"size"`
				Rate float64 `json:"bytes_per_s"`
			} `json:"points"`
		} `json:"series"`
	}
	if err := json.Unmarshal(b, &shape); err != nil {
		t.Fatal(err)
	}
	if shape.CPU == nil || len(shape.Sizes) != 2 || len(shape.Series) != len(want) || shape.Series[2].Points[1].Rate <= 0 {
		t.Errorf("JSON shape: %s", b)
	}

	var text, svg bytes.Buffer
	if err := res.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if err := res.WriteSVG(&svg); err != nil {
		t.Fatal(err)
	}
	for _, name := range want {
		if !strings.Contains(text.String(), name) || !strings.Contains(svg.String(), esc(name)) {
			t.Errorf("%q missing from the table or the chart", name)
		}
	}
	if n := strings.Count(svg.String(), "<polyline"); n != len(want) {
		t.Errorf("chart has %d lines, want %d", n, len(want))
	}
}

func TestKernelsBadSize(t *testing.T) {
	for _, n := range []int{0, -1, MaxKernelSize + 1} {
		if _, err := (&Kernels{Sizes: []int{n}}).Start(context.Background()); err == nil {
			t.Errorf("size %d: no error", n)
		}
	}
}

func TestKernelsCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	before := nvx.Selected(xor.Kernel)
	if _, err := (&Kernels{Sizes: []int{16}, Time: time.Millisecond}).Start(ctx); err != context.Canceled {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if got := nvx.Selected(xor.Kernel); got != before {
		t.Errorf("xor choice after a canceled run: %q, want %q", got, before)
	}
}

// ParseSizeList never panics, and what it accepts is in range.
func FuzzParseSizeList(f *testing.F) {
	for _, s := range []string{"16,64,1k,1m", "", "x", "1k,", "-1", "99999999999m"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sizes, err := ParseSizeList(s)
		if err != nil {
			return
		}
		for _, n := range sizes {
			if n < 0 || n > MaxMessageSize {
				t.Fatalf("%q: size %d out of range", s, n)
			}
		}
	})
}
