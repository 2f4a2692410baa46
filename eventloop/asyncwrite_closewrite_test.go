//go:build linux

package eventloop

import (
	"testing"
	"time"
)

// TestReviewAsyncWriteAfterCloseWrite: data AsyncWrite accepted after the
// write side was shut can never be sent. It must not vanish with a clean
// close: AsyncWrite refuses it, or the close reports an error.
func TestReviewAsyncWriteAfterCloseWrite(t *testing.T) {
	type result struct {
		asyncErr error
	}
	res := make(chan result, 1)
	closed := make(chan error, 1)
	h := &funcs{
		data: func(c *Conn, in []byte) int {
			_ = c.CloseWrite()
			err := c.AsyncWrite([]byte("lost?"))
			_ = c.Close()
			res <- result{err}
			return len(in)
		},
		close: func(c *Conn, err error) { closed <- err },
	}
	_, addr := serve(t, Config{Loops: 1}, h)
	nc := dialStd(t, addr)
	defer nc.Close()
	if _, err := nc.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	var r result
	select {
	case r = <-res:
	case <-time.After(5 * time.Second):
		t.Fatal("OnData not called")
	}
	var cerr error
	select {
	case cerr = <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("OnClose not called")
	}
	if r.asyncErr == nil && cerr == nil {
		t.Fatal("AsyncWrite after CloseWrite returned nil, and the connection closed cleanly: the data was dropped silently")
	}
}
