package wsloop_test

import (
	"bytes"
	"crypto/tls"
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/ws"
)

// recordConn is a client's socket that holds its writes while hold is
// set (flush sends them with one write), so that records written one by
// one reach the server together, and counts the TLS records it reads.
// Only the test's goroutine uses it.
type recordConn struct {
	net.Conn
	hold    bool
	held    []byte
	records int     // record headers read
	hdr     [5]byte // a header read in pieces
	nh      int
	body    int // bytes left of the current record
}

func (c *recordConn) Write(b []byte) (int, error) {
	if c.hold {
		c.held = append(c.held, b...)
		return len(b), nil
	}
	return c.Conn.Write(b)
}

func (c *recordConn) flush() error {
	c.hold = false
	_, err := c.Conn.Write(c.held)
	c.held = nil
	return err
}

func (c *recordConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	for b := p[:n]; len(b) > 0; {
		if c.body > 0 {
			k := min(c.body, len(b))
			c.body -= k
			b = b[k:]
			continue
		}
		k := copy(c.hdr[c.nh:], b)
		c.nh += k
		b = b[k:]
		if c.nh == len(c.hdr) {
			c.records++
			c.body = int(binary.BigEndian.Uint16(c.hdr[3:]))
			c.nh = 0
		}
	}
	return n, err
}

// TestTLSOneRecordPerInput: messages that reach the server in one read,
// each in a TLS record of its own, are answered in one record (one seal,
// one write), as on ws:// where the answers to one read leave in one
// write; not one record per record read.
func TestTLSOneRecordPerInput(t *testing.T) {
	u, ccfg, _ := serveTLS(t, newEcho(), nil, nil)
	addr := u[len("wss://") : len(u)-len("/echo")]
	for _, vers := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		rc := &recordConn{Conn: nc}
		cfg := ccfg.Clone()
		cfg.ServerName = "localhost"
		cfg.MinVersion, cfg.MaxVersion = vers, vers
		tc := tls.Client(rc, cfg)
		upgrade(t, tc, u) // sets a deadline for what follows
		const n = 8
		var want []byte
		rc.hold = true
		for i := range n {
			msg := bytes.Repeat([]byte{'a' + byte(i)}, 100+i)
			if _, err := tc.Write(ws.AppendFrame(nil, ws.OpBinary, true, true, [4]byte{1, 2, 3, 4}, msg)); err != nil {
				t.Fatal(err)
			}
			want = ws.AppendFrame(want, ws.OpBinary, true, false, [4]byte{}, msg)
		}
		rc.records = 0
		if err := rc.flush(); err != nil {
			t.Fatal(err)
		}
		got := make([]byte, len(want))
		if _, err := io.ReadFull(tc, got); err != nil {
			t.Fatalf("%x: %v", vers, err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("%x: the echoes differ", vers)
		}
		// One read of the server is one record back; two if the kernel
		// split the client's write.
		if rc.records >= n {
			t.Fatalf("%x: %d messages in one write answered in %d records", vers, n, rc.records)
		}
		t.Logf("%x: %d messages in one write answered in %d record(s)", vers, n, rc.records)
		_ = tc.SetDeadline(time.Time{})
		_ = tc.Close()
	}
}
