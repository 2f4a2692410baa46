package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/autobahn-go/autobahn/nvx"
)

func init() {
	commands["version"] = command{summary: "print the module version, the Go version and the SIMD kernels picked", run: runVersion}
}

const versionUsage = `usage: autobahn version

Prints the module version (a tag for "go install ...@vX", else "(devel)"
with the VCS revision), the Go toolchain and platform, and the
implementation each SIMD kernel picked on this CPU (AUTOBAHN_NVX caps it).

Example:
  autobahn version
  AUTOBAHN_NVX=off autobahn version
`

// runVersion prints the module version (from the build information: a
// tagged version for `go install …@vX`, "(devel)" with the VCS revision for
// a build from a checkout), the Go toolchain and platform, and the
// implementation each nvx kernel picked on this CPU.
func runVersion(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // the error returned says it all
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, versionUsage)
			return nil
		}
		return usageError{fmt.Errorf("version: %w", err)}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("version: unexpected argument %q", fs.Arg(0))}
	}
	fmt.Fprintf(stdout, "autobahn %s\n", moduleVersion())
	fmt.Fprintf(stdout, "go       %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	for _, k := range nvx.Kernels() {
		fmt.Fprintf(stdout, "kernel   %s: %s\n", k, nvx.Best(k))
	}
	return nil
}

// moduleVersion is the main module's version, with the VCS revision and
// a "+dirty" mark when the build recorded them.
func moduleVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown: no build information)"
	}
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = "+dirty"
			}
		}
	}
	if rev != "" && v == "(devel)" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		v += " " + rev + modified
	}
	return v
}
