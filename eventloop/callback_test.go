//go:build linux

package eventloop

import (
	"io"
	"sync"
	"testing"
	"time"
)

// deep calls f beneath n more frames (not inlined: it recurses), so that
// InCallback must walk past its first batch of frames.
func deep(n int, f func() bool) bool {
	if n == 0 {
		return f()
	}
	return deep(n-1, f)
}

// TestInCallback: InCallback is true in every callback, at any depth, and
// false on the goroutines around them, including one a callback started.
func TestInCallback(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]bool{}
	note := func(what string, v bool) {
		mu.Lock()
		seen[what] = v
		mu.Unlock()
	}
	closed := make(chan struct{})
	opened := make(chan *Conn, 1)
	_, addr := serve(t, Config{}, &funcs{
		open: func(c *Conn) {
			note("open", InCallback())
			opened <- c
		},
		data: func(c *Conn, in []byte) int {
			note("data", InCallback())
			note("data, 100 frames down", deep(100, InCallback))
			done := make(chan bool)
			go func() { done <- InCallback() }()
			note("goroutine started in data", <-done)
			c.Write(in)
			return len(in)
		},
		writable: func(c *Conn) { note("writable", InCallback()) },
		close: func(c *Conn, err error) {
			note("close", InCallback())
			close(closed)
		},
	})
	if InCallback() {
		t.Error("InCallback true on the test's goroutine")
	}
	cl := dialStd(t, addr)
	sc := <-opened
	if InCallback() || deep(100, InCallback) {
		t.Error("InCallback true outside callbacks")
	}
	cl.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := cl.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(cl, make([]byte, 1)); err != nil {
		t.Fatal(err)
	}
	if err := sc.Wake(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "OnWritable", func() bool { mu.Lock(); defer mu.Unlock(); _, ok := seen["writable"]; return ok })
	cl.Close()
	<-closed
	mu.Lock()
	defer mu.Unlock()
	want := map[string]bool{"open": true, "data": true, "data, 100 frames down": true,
		"goroutine started in data": false, "writable": true, "close": true}
	for k, v := range want {
		if got, ok := seen[k]; !ok || got != v {
			t.Errorf("%s: InCallback = %v (seen %v), want %v", k, got, ok, v)
		}
	}
}

func BenchmarkInCallback(b *testing.B) {
	b.Run("depth=10", func(b *testing.B) {
		for b.Loop() {
			deep(10, InCallback)
		}
	})
	b.Run("depth=100", func(b *testing.B) {
		for b.Loop() {
			deep(100, InCallback)
		}
	})
}

// TestCallPCs: the probe found four distinct return addresses.
func TestCallPCs(t *testing.T) {
	seen := map[uintptr]bool{}
	for i, pc := range callPCs {
		if pc == 0 || seen[pc] {
			t.Fatalf("callPCs[%d] = %#x (all: %#x)", i, pc, callPCs)
		}
		seen[pc] = true
	}
}
