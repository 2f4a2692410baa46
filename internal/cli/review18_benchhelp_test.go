package cli

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// `autobahn help CMD [MODE]` prints that command's help on stdout with
// exit status 0, the same as CMD [MODE] -h: it printed the top-level
// usage instead.
func TestReview18HelpCommand(t *testing.T) {
	for _, cmd := range []string{"serve", "bench", "bench run", "wamp", "version"} {
		var want, wantErr bytes.Buffer
		if err := run(context.Background(), append(strings.Fields(cmd), "-h"), &want, &wantErr); err != nil {
			t.Fatalf("autobahn %s -h: %v", cmd, err)
		}
		var out, errOut bytes.Buffer
		if err := run(context.Background(), append([]string{"help"}, strings.Fields(cmd)...), &out, &errOut); err != nil {
			t.Errorf("autobahn help %s: %v, want exit status 0", cmd, err)
		}
		if out.String() != want.String() || errOut.Len() != 0 {
			t.Errorf("autobahn help %s printed %q (stderr %q), want %s -h's %q", cmd, out.String(), errOut.String(), cmd, want.String())
		}
	}
	var ue usageError
	if err := run(context.Background(), []string{"help", "no-such-command"}, io.Discard, io.Discard); !errors.As(err, &ue) {
		t.Errorf("autobahn help no-such-command: %v, want a usage error", err)
	}
}

// bench run's --inflight, --max-inflight and --loops below 1 are usage
// errors (exit status 2) naming the flag: --inflight 0 or --loops -3 ran
// silently as 1, --max-inflight 0 as 1024.
func TestReview18BenchFlagMinimums(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	const echo = "ws://127.0.0.1:1/echo" // nothing listens
	for _, c := range []struct {
		args []string
		flag string
	}{
		{[]string{"run", "-inflight", "0", echo}, "-inflight"},
		{[]string{"run", "-inflight", "-4", echo}, "-inflight"},
		{[]string{"run", "-max-inflight", "0", echo}, "-max-inflight"},
		{[]string{"run", "-msg-rate", "100", "-max-inflight", "-1", echo}, "-max-inflight"},
		{[]string{"run", "-loops", "0", echo}, "-loops"},
		{[]string{"run", "-loops", "-3", echo}, "-loops"},
		{[]string{"idle", "-loops", "0", echo}, "-loops"},
	} {
		var errOut bytes.Buffer
		err := run(ctx, append([]string{"bench"}, c.args...), io.Discard, &errOut)
		var ue usageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), c.flag+" ") {
			t.Errorf("bench %q: %v, want a usage error naming %s", c.args, err, c.flag)
		}
	}
}
