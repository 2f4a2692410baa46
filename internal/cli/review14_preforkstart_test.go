//go:build linux

package cli

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/prefork"
)

// serve --procs N with a start-up error every child would hit (a missing
// TLS key pair, a realm the router refuses) fails at once in the parent
// with that error, as serve without --procs does, instead of starting
// children that die, restarting them with back-off until
// prefork.ErrTooManyRestarts (some 20 s) and exiting with "exit status 1"
// as the reason.
func TestReview14PreforkStartupErrorsFailFast(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name  string
		args  []string
		want  string
		usage bool
	}{
		{"tls", []string{"--tls-cert", filepath.Join(dir, "missing.pem"), "--tls-key", filepath.Join(dir, "missing.key")}, "TLS key pair", false},
		{"realm", []string{"--realm", "not a realm"}, `--realm "not a realm"`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The bound only ends a run that wrongly keeps serving.
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			var stdout strings.Builder
			args := append([]string{"serve", "--procs", "2", "--addr", "127.0.0.1:0"}, tc.args...)
			err := Run(ctx, args, &stdout, io.Discard, Extension{})
			if err == nil || errors.Is(err, prefork.ErrTooManyRestarts) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("serve %v: %v; want the error %q from the parent", tc.args, err, tc.want)
			}
			var ue usageError
			if errors.As(err, &ue) != tc.usage {
				t.Errorf("serve %v: %v: usage error %v, want %v", tc.args, err, !tc.usage, tc.usage)
			}
			if stdout.Len() != 0 {
				t.Errorf("serve %v printed %q", tc.args, stdout.String())
			}
		})
	}
}

// serve --procs N --driver std --addr "" is refused: net.Listen("tcp", "")
// would give each child a port of its own (on every interface), while the
// parent announced "http:///" and "N processes share these ports".
func TestReview14PreforkEmptyAddr(t *testing.T) {
	// Already cancelled: a command line that wrongly passes stops at once.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout strings.Builder
	err := Run(ctx, []string{"serve", "--procs", "2", "--driver", "std", "--addr", ""}, &stdout, io.Discard, Extension{})
	var ue usageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), `--addr ""`) {
		t.Fatalf("serve --procs 2 --driver std --addr \"\": %v, want a usage error about --addr; printed %q", err, stdout.String())
	}
}
