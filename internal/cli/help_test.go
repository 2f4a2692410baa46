package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestHelpEverySubcommand: -h on every subcommand succeeds (exit status 0)
// and prints its usage, with examples where the command takes flags.
func TestHelpEverySubcommand(t *testing.T) {
	for _, c := range []struct {
		args     string
		examples bool
	}{
		{"", false}, {"bench", false},
		{"bench run", true}, {"bench idle", true}, {"bench compare", true},
		{"nvx", true}, {"serve", true}, {"version", true}, {"wamp", true},
	} {
		var out, errOut bytes.Buffer
		args := append(strings.Fields(c.args), "-h")
		if err := run(context.Background(), args, &out, &errOut); err != nil {
			t.Errorf("autobahn %s -h: %v", c.args, err)
			continue
		}
		help := out.String() + errOut.String()
		if !strings.Contains(strings.ToLower(help), "usage") {
			t.Errorf("autobahn %s -h printed no usage: %q", c.args, help)
		}
		if c.examples && !strings.Contains(help, "xample") {
			t.Errorf("autobahn %s -h printed no examples: %q", c.args, help)
		}
	}
}
