//go:build linux

package eventloop

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"
)

// TestReview16cDataBeforeEOF: input the peer sent just before it closed
// reaches OnData, all of it and in order, before OnClose reports io.EOF,
// on either back end (the read that returns the last bytes and the one
// that returns EOF follow each other at once). Many connections, as the
// EOF may come in the same wake-up as the data or after it.
func TestReview16cDataBeforeEOF(t *testing.T) {
	const conns, size = 100, 100 << 10
	msg := make([]byte, size)
	for i := range msg {
		msg[i] = byte(i * 7)
	}
	type result struct {
		got []byte
		err error
	}
	results := make(chan result, conns)
	_, addr := serve(t, Config{Loops: 1}, &funcs{
		open: func(c *Conn) { c.SetContext(new(bytes.Buffer)) },
		data: func(c *Conn, in []byte) int {
			c.Context().(*bytes.Buffer).Write(in)
			return len(in)
		},
		close: func(c *Conn, err error) {
			results <- result{c.Context().(*bytes.Buffer).Bytes(), err}
		},
	})
	for i := range conns {
		nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		_, werr := nc.Write(msg)
		nc.Close()
		if werr != nil {
			t.Fatal(werr)
		}
		r := <-results
		if r.err != io.EOF || !bytes.Equal(r.got, msg) {
			t.Fatalf("connection %d: OnClose with %v after %d of %d bytes (equal %v)", i, r.err, len(r.got), size, bytes.Equal(r.got, msg))
		}
	}
}
