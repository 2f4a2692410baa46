// Package exampletest runs the examples' run functions in tests: it
// collects what they print, line by line, and waits for the line a test
// expects.
package exampletest

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

// Output is an io.Writer that keeps what was written and signals every
// write. It is safe for concurrent use.
type Output struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	wrote chan struct{}
}

// NewOutput returns an empty Output.
func NewOutput() *Output { return &Output{wrote: make(chan struct{}, 1)} }

// Write keeps p.
func (o *Output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.buf.Write(p)
	select {
	case o.wrote <- struct{}{}:
	default:
	}
	return len(p), nil
}

// String returns everything written so far.
func (o *Output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// WaitLine waits (at most 10 s, else the test fails) for a complete line
// that starts with prefix, and returns it.
func (o *Output) WaitLine(t testing.TB, prefix string) string {
	t.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	for {
		for _, l := range strings.SplitAfter(o.String(), "\n") {
			if strings.HasSuffix(l, "\n") && strings.HasPrefix(l, prefix) {
				return strings.TrimSuffix(l, "\n")
			}
		}
		select {
		case <-o.wrote:
		case <-deadline.C:
			t.Fatalf("no line starting with %q in the output:\n%s", prefix, o.String())
		}
	}
}
