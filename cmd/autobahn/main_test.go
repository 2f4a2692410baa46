package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/internal/leakcheck"
)

// TestMain runs main instead of the tests when AUTOBAHN_MAIN_TEST is set:
// the tests below run this binary as the command. (package internal/cli
// tests the commands themselves.)
func TestMain(m *testing.M) {
	if os.Getenv("AUTOBAHN_MAIN_TEST") == "1" {
		main()
	}
	leakcheck.Main(m)
}

// autobahn runs the command with args; it returns its output and exit status.
func autobahn(t *testing.T, args ...string) (stdout, stderr string, status int) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), "AUTOBAHN_MAIN_TEST=1")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		status = ee.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return out.String(), errOut.String(), status
}

func TestVersion(t *testing.T) {
	out, errOut, status := autobahn(t, "version")
	if status != 0 || !strings.Contains(out, "go1.") {
		t.Fatalf("version: status %d, stdout %q, stderr %q", status, out, errOut)
	}
}

// serve -h lists serve's flags (the NATS ones too, which this build
// refuses) and exits 0 without serving.
func TestServeHelp(t *testing.T) {
	out, errOut, status := autobahn(t, "serve", "-h")
	if status != 0 || !strings.Contains(out, "usage: autobahn serve") || !strings.Contains(out, "-nats string") {
		t.Fatalf("serve -h: status %d, stdout %q, stderr %q", status, out, errOut)
	}
}

// serve --nats in the build without NATS: exit status 2 and how to get
// the NATS build, before anything listens.
func TestServeNATSRefused(t *testing.T) {
	for _, args := range [][]string{{"--nats", "nats://127.0.0.1:4222"}, {"--nats-embedded"}} {
		out, errOut, status := autobahn(t, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
		if status != 2 || !strings.Contains(errOut, "cd wamp/router/natsfabric && go install ./cmd/autobahn-fabric") {
			t.Errorf("serve %q: status %d, stdout %q, stderr %q", args, status, out, errOut)
		}
	}
}

// The command and package internal/cli agree on what is a usage error.
func TestUnknownCommand(t *testing.T) {
	_, errOut, status := autobahn(t, "frobnicate")
	if status != 2 || !strings.Contains(errOut, "unknown command") {
		t.Fatalf("status %d, stderr %q", status, errOut)
	}
}
