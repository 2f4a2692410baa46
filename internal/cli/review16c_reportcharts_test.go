package cli

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// review16cResult is the smallest `bench compare --json` result that
// bench report takes: one server, one cell, idle memory.
const review16cResult = `{"cells": [{"conns": 10, "size": 32}], "rounds": 1, "idle_conns": 100, "msg_rate": 1000,
 "servers": [{"name": "autobahn-loop",
   "cells": {"10×32 B": [{"msg_per_s": 1000, "msg_per_cpu_s": 40000, "server_cpu_percent": 2.5, "p50_ns": 1000000, "p90_ns": 2000000, "p99_ns": 3000000, "p99_9_ns": 4000000, "max_ns": 5000000}]},
   "medians": {"10×32 B": {"msg_per_s": 1000, "msg_per_cpu_s": 40000, "server_cpu_percent": 2.5, "p50_ns": 1000000, "p90_ns": 2000000, "p99_ns": 3000000, "p99_9_ns": 4000000, "max_ns": 5000000}},
   "idle_rss_per_conn_bytes": [4500], "idle_rss_per_conn_median_bytes": 4500}]}`

// README's own commands: `bench report --charts /tmp/charts /tmp/r.json >
// /tmp/report.md` (an absolute chart directory, the section printed) and
// the same with --update of a Markdown file named relative to the current
// directory. Both failed with filepath.Rel's "can't make
// /tmp/charts/ws-echo-throughput.svg relative to .", after writing the
// first chart. An absolute --charts is linked as given when the section is
// printed, and relative to the Markdown file with --update.
func TestReview16cReportAbsoluteCharts(t *testing.T) {
	dir := t.TempDir()
	res := filepath.Join(dir, "r.json")
	if err := os.WriteFile(res, []byte(review16cResult), 0o600); err != nil {
		t.Fatal(err)
	}
	charts := filepath.Join(dir, "charts")

	var out bytes.Buffer
	if err := run(context.Background(), []string{"bench", "report", "--charts", charts, res}, &out, io.Discard); err != nil {
		t.Fatalf("bench report --charts %s: %v", charts, err)
	}
	for _, f := range []string{"ws-echo-throughput.svg", "ws-echo-latency.svg", "ws-echo-idle.svg"} {
		if _, err := os.Stat(filepath.Join(charts, f)); err != nil {
			t.Error(err)
		}
		if want := "(" + filepath.ToSlash(filepath.Join(charts, f)) + ")"; !strings.Contains(out.String(), want) {
			t.Errorf("printed section does not link %s:\n%s", want, out.String())
		}
	}

	// --update with a relative Markdown name: the links are relative to it.
	t.Chdir(dir)
	md := "B.md"
	doc := "<!-- autobahn bench report ws-echo -->\n<!-- end autobahn bench report ws-echo -->\n"
	if err := os.WriteFile(md, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(context.Background(), []string{"bench", "report", "--charts", charts, "--update", md, res}, &out, io.Discard); err != nil {
		t.Fatalf("bench report --charts %s --update %s: %v", charts, md, err)
	}
	b, err := os.ReadFile(md)
	if err != nil {
		t.Fatal(err)
	}
	if want := "(charts/ws-echo-throughput.svg)"; !strings.Contains(string(b), want) {
		t.Errorf("%s does not link %s:\n%s", md, want, b)
	}
}
