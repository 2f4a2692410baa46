package cli

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/internal/leakcheck"
	"github.com/autobahn-go/autobahn/prefork"
)

func TestMain(m *testing.M) {
	if _, child := prefork.Child(); child {
		// serve --procs N in a test starts this binary as its children:
		// they run the command, not the tests.
		Main(Extension{})
	}
	leakcheck.Main(m)
}

func TestNVX(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"nvx", "-time", "5ms"}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, want := range []string{"cpu:", "features:", "kernel xor:"} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	// One table row per size, each with two positive rates.
	row := regexp.MustCompile(`(?m)^(125 B|16 KiB)\s+(\d+\.\d) GB/s\s+(\d+\.\d) GB/s\s+\d+\.\d\dx$`)
	if got := len(row.FindAllString(s, -1)); got != 2 {
		t.Errorf("want 2 table rows, got %d:\n%s", got, s)
	}
	if !strings.Contains(errOut.String(), "measuring xor.Mask") {
		t.Errorf("no progress line on stderr: %q", errOut.String())
	}
}

func TestUsageAndUnknown(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := run(context.Background(), nil, &out, &errOut); err != nil || !strings.Contains(out.String(), "nvx") {
		t.Fatalf("usage: err %v, out %q", err, out.String())
	}
	var ue usageError
	if err := run(context.Background(), []string{"frobnicate"}, &out, &errOut); !errors.As(err, &ue) {
		t.Fatalf("an unknown command: %v, want a usage error (exit status 2; other errors exit 1)", err)
	}
}

func TestNVXCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"nvx", "-time", "5ms"}, &out, &errOut); err == nil {
		t.Fatal("a cancelled measurement succeeded")
	}
}
