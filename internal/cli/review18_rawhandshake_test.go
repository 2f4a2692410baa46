package cli

import (
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// --handshake-timeout bounds RawSocket's opening handshake too, as
// --max-message and --max-conns bound RawSocket: a client that connects
// to --rawsocket-addr and sends nothing is let go when it passes. RawSocket
// kept its own 10 s whatever the flag, and --max-conns does not count a
// connection before its handshake, so silent connections were bounded by
// those 10 s alone.
func TestReview18ServeRawSocketHandshakeTimeout(t *testing.T) {
	lines, stop := startServe(t, 2, "--driver", "std", "--addr", "127.0.0.1:0",
		"--rawsocket-addr", "127.0.0.1:0", "--handshake-timeout", "200ms")
	defer stop()
	addr := find(t, `rawsocket tcp://(\S+)`, strings.Join(lines, ""))
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	// Well within RawSocket's own 10 s; far above the flag's 200 ms.
	nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := nc.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Fatalf("a silent RawSocket client, --handshake-timeout 200ms: read %v, want the server's close (EOF)", err)
	}
}
