//go:build linux

package eventloop

import (
	"io"
	"testing"
	"time"
)

// TestWakeupsCountAsyncWrite: Stats.Wakeups means the same on every backend: an AsyncWrite from
// another goroutine wakes the connection's serving side and counts one, as a Wake does. The
// goroutine backend counted Wake calls only (its AsyncWrite woke the writer uncounted).
func TestWakeupsCountAsyncWrite(t *testing.T) {
	opened := make(chan *Conn, 1)
	l, addr := serve(t, Config{Loops: 1}, &funcs{open: func(c *Conn) { opened <- c }})
	cl := dialStd(t, addr)
	sc := <-opened
	w0 := l.Stats().Wakeups
	if err := sc.AsyncWrite([]byte("x")); err != nil {
		t.Fatal(err)
	}
	cl.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadFull(cl, make([]byte, 1)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "AsyncWrite's wake-up counted", func() bool { return l.Stats().Wakeups > w0 })
	w1 := l.Stats().Wakeups
	if err := sc.Wake(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "Wake's wake-up counted", func() bool { return l.Stats().Wakeups > w1 })
}
