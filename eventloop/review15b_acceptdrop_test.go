//go:build linux && !eventloop_goroutines

package eventloop

import (
	"bytes"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// TestAcceptRegisterFailureCounted: an accepted connection the poller refuses to register is
// closed, counted in Stats.AcceptDrops and logged; it was closed without a trace.
func TestAcceptRegisterFailureCounted(t *testing.T) {
	testHookOpenAccepted = func(error) error { return unix.ENOSPC }
	t.Cleanup(func() { testHookOpenAccepted = nil })
	var logs syncBuffer
	lg := slog.New(slog.NewTextHandler(&logs, nil))
	l, addr := serve(t, Config{Loops: 1, Logger: lg}, &funcs{open: func(c *Conn) { t.Error("OnOpen for a dropped connection") }})
	cl := dialStd(t, addr)
	cl.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := cl.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("the peer read %d, %v; want EOF", n, err)
	}
	if s := l.Stats(); s.AcceptDrops != 1 || s.Accepted != 1 || s.Conns != 0 {
		t.Fatalf("Stats: %d dropped, %d accepted, %d open; want 1, 1, 0", s.AcceptDrops, s.Accepted, s.Conns)
	}
	if got := logs.String(); !strings.Contains(got, "accepted connection dropped") || !strings.Contains(got, "no space left on device") {
		t.Fatalf("log: %q", got)
	}
}
