package cli

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// `autobahn version` names the module version, the Go toolchain and a
// pick for every registered kernel (xor's at least).
func TestVersion(t *testing.T) {
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"version"}, &out, &errb); err != nil {
		t.Fatalf("version: %v (stderr %q)", err, errb.String())
	}
	s := out.String()
	if !regexp.MustCompile(`(?m)^autobahn \S`).MatchString(s) {
		t.Errorf("no module version line:\n%s", s)
	}
	if !strings.Contains(s, "go       "+runtime.Version()+" ") {
		t.Errorf("no Go version %s:\n%s", runtime.Version(), s)
	}
	if !regexp.MustCompile(`(?m)^kernel   xor: \S+`).MatchString(s) {
		t.Errorf("no xor kernel pick:\n%s", s)
	}
	var ue usageError
	if err := run(context.Background(), []string{"version", "extra"}, &out, &errb); !errors.As(err, &ue) {
		t.Errorf("version with an argument: %v, want a usage error", err)
	}
	out.Reset()
	if err := run(context.Background(), []string{"version", "-h"}, &out, &errb); err != nil || !strings.Contains(out.String(), "Example:") {
		t.Errorf("version -h: %v, output %q", err, out.String())
	}
}
