package wsloop_test

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// TestReview14ClientRecordOverflow: a server that sends a record longer
// than TLS allows (2^14 + 256 bytes of ciphertext, header aside) after
// the upgrade has the loop's client answer record_overflow at its header
// and close, on the record layer and with crypto/tls, rather than collect
// the record.
func TestReview14ClientRecordOverflow(t *testing.T) {
	srvCert, pool := wsloop.NewTestCert(t, "server")
	for _, cache := range []bool{false, true} {
		t.Run(cacheName(cache), func(t *testing.T) {
			ln, cl := loopTLSClient(t, pool, cache)
			h := newEcho()
			dialed, nc := dialAccept(t, cl, ln, h)
			tc := tls.Server(nc, &tls.Config{Certificates: []tls.Certificate{srvCert}})
			_ = tc.SetDeadline(time.Now().Add(10 * time.Second))
			br := bufio.NewReader(tc)
			resp := switchProtocols(t, br)
			if _, err := io.WriteString(tc, resp); err != nil {
				t.Fatal(err)
			}
			if err := <-dialed; err != nil {
				t.Fatal(err)
			}
			// The header of a record one byte too long, and some of it.
			n := 1<<14 + 256 + 1
			if _, err := nc.Write(append([]byte{23, 3, 3, byte(n >> 8), byte(n)}, bytes.Repeat([]byte{1}, 100)...)); err != nil {
				t.Fatal(err)
			}
			if got := h.waitEnd(t); got != "false 1006 " {
				t.Fatalf("client saw %q", got)
			}
			_, err := io.ReadAll(br)
			if err == nil || !strings.Contains(err.Error(), "record overflow") {
				t.Fatalf("server read %v, want the alert record_overflow", err)
			}
		})
	}
}
