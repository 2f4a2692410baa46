package cli

import (
	"context"
	"errors"
	"testing"
)

// A bad flag or a stray argument to `autobahn nvx` is a usage error (exit
// status 2), as for the other commands, not a runtime error (1) or, for a
// stray argument, silently ignored.
func TestReview14cNVXUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"nvx", "-bogus"},
		{"nvx", "-time", "soon"},
		{"nvx", "-no-bench", "extra"},
	} {
		var out, errb wampOut
		var ue usageError
		if err := run(context.Background(), args, &out, &errb); !errors.As(err, &ue) {
			t.Errorf("%v: %v, want a usage error", args, err)
		}
	}
	var out, errb wampOut
	if err := run(context.Background(), []string{"nvx", "-h"}, &out, &errb); err != nil {
		t.Errorf("nvx -h: %v", err)
	}
}
