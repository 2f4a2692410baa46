package cli

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

// Help asked for with -h (or --help) goes to stdout with exit status 0, on
// every subcommand: `autobahn bench run -h | less` showed nothing, as bench's
// modes and nvx printed it on stderr. A bad flag is a usage error (exit
// status 2) whose message and usage go to stderr, stdout untouched.
func TestReview18HelpOnStdout(t *testing.T) {
	for _, cmd := range []string{
		"", "bench", "bench run", "bench idle", "bench compare", "bench report",
		"bench kernels", "bench wamp", "nvx", "serve", "version", "wamp",
	} {
		for _, h := range []string{"-h", "--help"} {
			var out, errOut bytes.Buffer
			args := append(strings.Fields(cmd), h)
			if err := run(context.Background(), args, &out, &errOut); err != nil {
				t.Errorf("autobahn %s %s: %v, want exit status 0", cmd, h, err)
			}
			if !strings.Contains(strings.ToLower(out.String()), "usage") || errOut.Len() != 0 {
				t.Errorf("autobahn %s %s: %d bytes on stdout, %d on stderr; want the usage on stdout alone", cmd, h, out.Len(), errOut.Len())
			}
		}
		if cmd == "" || cmd == "bench" {
			continue // no flags of their own: an unknown word is a command
		}
		var out, errOut bytes.Buffer
		args := append(strings.Fields(cmd), "-no-such-flag")
		var ue usageError
		if err := run(context.Background(), args, &out, &errOut); !errors.As(err, &ue) {
			t.Errorf("autobahn %s -no-such-flag: %v, want a usage error (exit status 2)", cmd, err)
		}
		if out.Len() != 0 {
			t.Errorf("autobahn %s -no-such-flag wrote on stdout: %q", cmd, out.String())
		}
	}
}
