package tlsrec

import (
	"io"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// TestReviewOpenSSLPaddedRecords: an independent peer, `openssl s_client
// -record_padding`, pads every TLS 1.3 record it sends (application data,
// its KeyUpdate, its close_notify) up to a block size, the largest being
// 2^14 (a full record's TLSInnerPlaintext then ends in zeros, 2^14+1 bytes
// at most only for the full ones). Open must find the content type behind
// the zeros every time.
func TestReviewOpenSSLPaddedRecords(t *testing.T) {
	bin, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("no openssl")
	}
	for _, pad := range []int{17, 512, 16384} {
		t.Run(strconv.Itoa(pad), func(t *testing.T) {
			sc := startSClient(t, bin, "-record_padding", strconv.Itoa(pad))
			stdin, stdout, stderr, raw, srv, capt := sc.stdin, sc.stdout, sc.stderr, sc.raw, sc.srv, sc.capt
			rc, err := capt.Conn(srv.ConnectionState())
			if err != nil {
				t.Fatal(err)
			}
			rec := &recordingConn{Conn: raw}
			s := &server{t: t, raw: rec, rc: rc}
			stdout.waitFor(t, "---\n")

			for i, line := range []string{"x\n", strings.Repeat("padded ", 3000) + "\n"} {
				if _, err := io.WriteString(stdin, line); err != nil {
					t.Fatal(err)
				}
				if got, err := s.read(len(line)); err != nil || string(got) != line {
					t.Fatalf("read %d bytes, %v; want %d", len(got), err, len(line))
				}
				if i == 0 {
					// The 3-byte inner plaintext went padded.
					if n := RecordLen(rec.first); n-HeaderLen-tagLen < min(pad, 3+16) {
						t.Fatalf("s_client did not pad: a record of %d bytes", n)
					}
				}
			}
			if _, err := io.WriteString(stdin, "K\n"); err != nil {
				t.Fatal(err)
			}
			stderr.waitFor(t, "KEYUPDATE")
			line := "after the key update\n"
			if _, err := io.WriteString(stdin, line); err != nil {
				t.Fatal(err)
			}
			if got, err := s.read(len(line)); err != nil || string(got) != line {
				t.Fatalf("read %q %v", got, err)
			}
			if err := <-s.sendAsync([]byte("reply\n")); err != nil {
				t.Fatal(err)
			}
			stdout.waitFor(t, "reply\n")
			stdin.Close()
			if got, err := s.read(1 << 30); err != io.EOF || len(got) != 0 {
				t.Fatalf("at the end: %q %v\n%s", got, err, stderr)
			}
		})
	}
}

// recordingConn keeps the first bytes read from it.
type recordingConn struct {
	net.Conn
	first []byte
}

func (c *recordingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if c.first == nil && n > 0 {
		c.first = append([]byte(nil), p[:n]...)
	}
	return n, err
}
