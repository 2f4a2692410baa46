package cli

// autobahn bench report: renders a `bench compare --json` result as the
// Markdown section BENCHMARKS.md includes and its SVG charts, and with
// --update splices the section into the file between its markers.

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/autobahn-go/autobahn/internal/loadgen"
)

// maxReportInput bounds the JSON a report reads (a compare result is a
// few KiB per server).
const maxReportInput = 16 << 20

func benchReport(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	parse := setUsage(fs, stdout, stderr, "autobahn bench report [flags] RESULT.json", `  autobahn bench compare --json ... > /tmp/ws-echo.json
  autobahn bench report --update BENCHMARKS.md /tmp/ws-echo.json    (what bench/report-ws.sh does)
`)
	name := fs.String("name", "ws-echo", "the section's name: its markers in --update's file and the charts' file names")
	charts := fs.String("charts", "bench/charts", "directory the SVG charts are written to (empty: no charts)")
	update := fs.String("update", "", `Markdown file whose "<!-- autobahn bench report NAME -->" section is replaced (default: print the section)`)
	regen := fs.String("regen", "", "the command that regenerates the section, named at its top")
	if err := parse(args); err != nil {
		return usageError{err}
	}
	if fs.NArg() != 1 {
		return usageError{fmt.Errorf("bench report: want one result file (flags first), got %d arguments", fs.NArg())}
	}
	in := fs.Arg(0)
	if *name == "" || strings.ContainsAny(*name, "/\\ \n>") {
		return usageError{fmt.Errorf("bench report: --name %q: want a plain word", *name)}
	}
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	var res loadgen.CompareResult
	dec := json.NewDecoder(io.LimitReader(f, maxReportInput))
	if err := dec.Decode(&res); err != nil {
		return fmt.Errorf("bench report: %s: not a `bench compare --json` result: %w", in, err)
	}
	if len(res.Servers) == 0 || len(res.Cells) == 0 {
		return fmt.Errorf("bench report: %s: no servers or no cells", in)
	}
	// Charts are linked relative to the Markdown file (or to the current
	// directory when the section is printed).
	base := "."
	if *update != "" {
		base = filepath.Dir(*update)
	}
	var links loadgen.ReportCharts
	if *charts != "" {
		if err := os.MkdirAll(*charts, 0o755); err != nil {
			return err
		}
		for _, ch := range []struct {
			suffix string
			write  func(io.Writer) error
			link   *string
		}{
			{"throughput", res.WriteSVG, &links.Throughput},
			{"latency", res.WriteLatencySVG, &links.Latency},
			{"idle", res.WriteIdleSVG, &links.Idle},
		} {
			if ch.suffix == "idle" && res.IdleConns == 0 {
				continue
			}
			path := filepath.Join(*charts, *name+"-"+ch.suffix+".svg")
			var b strings.Builder
			if err := ch.write(&b); err != nil {
				return err
			}
			if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
				return err
			}
			link, err := chartLink(base, path, *update == "")
			if err != nil {
				return err
			}
			*ch.link = filepath.ToSlash(link)
		}
	}
	var sec strings.Builder
	if err := res.WriteReport(&sec, *regen, links); err != nil {
		return err
	}
	if *update == "" {
		_, err := io.WriteString(stdout, sec.String())
		return err
	}
	doc, err := os.ReadFile(*update)
	if err != nil {
		return err
	}
	out, err := loadgen.SpliceReport(doc, *name, []byte(sec.String()))
	if err != nil {
		return fmt.Errorf("bench report: %s: %w", *update, err)
	}
	if err := os.WriteFile(*update, out, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "bench report: section %q of %s updated (%d servers, %d cells)\n", *name, *update, len(res.Servers), len(res.Cells))
	return nil
}

// shellJoin quotes args for a POSIX shell where they need it.
func shellJoin(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		if a != "" && strings.Trim(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=.,/:") == "" {
			q[i] = a
		} else {
			q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
	}
	return strings.Join(q, " ")
}

// chartLink is how the section links the chart at path: relative to base,
// the Markdown file's directory, even when one of the two is absolute and
// the other not; an absolute path stays absolute when the section is
// printed, since where it goes is unknown.
func chartLink(base, path string, printed bool) (string, error) {
	if printed && filepath.IsAbs(path) {
		return path, nil
	}
	absBase, err := filepath.Abs(base)
	if err != nil {
		return "", err
	}
	absPath, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	return filepath.Rel(absBase, absPath)
}
