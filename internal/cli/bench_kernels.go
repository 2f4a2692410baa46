package cli

// autobahn bench kernels: the nvx kernels (xor.Mask, utf8.Valid) at sizes
// 16 B … 1 MiB, every implementation this CPU can run, against copy() and
// a read-only pass; a table, --json, --svg chart. The peers' kernels
// (gobwas/ws mask …) live in the bench module (bench/), not here.

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/autobahn-go/autobahn/internal/loadgen"
)

func benchKernels(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("kernels", flag.ContinueOnError)
	parse := setUsage(fs, stdout, stderr, "autobahn bench kernels [flags]", `  autobahn bench kernels                        every implementation, 16 B … 1 MiB
  autobahn bench kernels -sizes 125,16k -svg kernels.svg
  AUTOBAHN_NVX=noavx512 autobahn bench kernels -json > kernels.json
`)
	sizes := fs.String("sizes", "16,64,256,1k,4k,16k,64k,256k,1m", "buffer sizes, comma-separated (k, m suffixes)")
	per := fs.Duration("time", 100*time.Millisecond, "measuring time per cell (the median of 5 runs is kept)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	svg := fs.String("svg", "", "also write a line chart of bytes/s by size to this SVG file")
	if err := parse(args); err != nil {
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("bench kernels: unexpected argument %q", fs.Arg(0))}
	}
	k := &loadgen.Kernels{Time: *per}
	var err error
	if k.Sizes, err = loadgen.ParseSizeList(*sizes); err != nil {
		return usageError{err}
	}
	pw := newProgressWriter(stdout, stderr, *asJSON)
	if pw.tty {
		k.Progress = func(done, total int, series string, size int) {
			fmt.Fprintf(pw.w, "\r\033[Kmeasuring %s at %d bytes (%d/%d)", series, size, done+1, total)
			pw.used = true
		}
	}
	res, err := k.Start(ctx)
	pw.end()
	if err != nil {
		return err
	}
	if *svg != "" {
		var b strings.Builder
		if err := res.WriteSVG(&b); err != nil {
			return err
		}
		if err := os.WriteFile(*svg, []byte(b.String()), 0o644); err != nil {
			return err
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	return res.WriteText(stdout)
}
