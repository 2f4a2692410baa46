package cli

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// A bench flag out of range is a usage error (exit status 2) that names
// the flag, before anything connects. The load generator refused these
// with exit status 1 and without the flag ("loadgen: connections must be
// 1..1048576", "need a positive duration, no negative warm-up or rate, at
// most 65536 in flight"), and bench wamp's --serializer only after
// connecting.
func TestReview17BenchFlagRanges(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	const echo, router = "ws://127.0.0.1:1/echo", "ws://127.0.0.1:1/ws" // nothing listens
	for _, c := range []struct {
		args []string
		flag string
	}{
		{[]string{"run", "-c", "0", echo}, "-c"},
		{[]string{"run", "-n", "-1", echo}, "-c"},
		{[]string{"run", "-sources", "251", echo}, "-sources"},
		{[]string{"run", "-ramp", "-1", echo}, "-ramp"},
		{[]string{"run", "-duration", "0s", echo}, "-duration"},
		{[]string{"run", "-warmup", "-1s", echo}, "-warmup"},
		{[]string{"run", "-msg-rate", "-5", echo}, "-msg-rate"},
		{[]string{"run", "-inflight", "70000", echo}, "-inflight"},
		{[]string{"run", "-max-inflight", "70000", echo}, "-max-inflight"},
		{[]string{"run", "-engine", "epoll", echo}, "-engine"},
		{[]string{"idle", "-c", "0", echo}, "-c"},
		{[]string{"idle", "-hold", "-1s", echo}, "-hold"},
		{[]string{"wamp", "-callers", "-1", router}, "-callers"},
		{[]string{"wamp", "-subscribers", "5000", router}, "-subscribers"},
		{[]string{"wamp", "-inflight", "2000", router}, "-inflight"},
		{[]string{"wamp", "-size", "-1", router}, "-size"},
		{[]string{"wamp", "-event-rate", "-1", router}, "-event-rate"},
		{[]string{"wamp", "-only", "both", router}, "-only"},
		{[]string{"wamp", "-serializer", "ubjson", router}, "-serializer"},
	} {
		err := run(ctx, append([]string{"bench"}, c.args...), io.Discard, io.Discard)
		var ue usageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), c.flag+" ") {
			t.Errorf("bench %q: %v, want a usage error naming %s", c.args, err, c.flag)
		}
	}
}
