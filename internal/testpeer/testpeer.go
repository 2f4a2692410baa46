package testpeer

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// UpgradeRequest is a minimal valid WebSocket upgrade request for "/".
const UpgradeRequest = "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"

// ioTimeout bounds each peer's I/O.
const ioTimeout = 5 * time.Second

// Stuck dials addr, completes the handshake (UpgradeRequest), asks for a
// flood (a masked text message "flood") and then reads nothing more, with
// a 16 KiB receive buffer: the server's writes, its close frame too,
// soon cannot reach it. The connection closes when the test ends.
func Stuck(t testing.TB, addr string) {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	_ = nc.(*net.TCPConn).SetReadBuffer(16 << 10)
	if _, err := nc.Write([]byte(UpgradeRequest)); err != nil {
		t.Fatal(err)
	}
	_ = nc.SetReadDeadline(time.Now().Add(ioTimeout))
	br := bufio.NewReaderSize(nc, 16) // reads no further than the head
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if line == "\r\n" {
			break
		}
	}
	// A masked text frame "flood" (mask key 0).
	if _, err := nc.Write([]byte("\x81\x85\x00\x00\x00\x00flood")); err != nil {
		t.Fatal(err)
	}
}

// WriteByByte sends head to addr one byte per write and returns the
// answer's status.
func WriteByByte(t testing.TB, addr, head string) int {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(ioTimeout))
	for i := range len(head) {
		if _, err := nc.Write([]byte{head[i]}); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.ReadResponse(bufio.NewReader(nc), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// SendUnread sends head and then body (declared in head; the server
// answers without reading it), then reads the answer, as a simple HTTP
// client does (Python's http.client, say), over TLS with cfg if it is set.
// It returns the response's status and body, or the error that cut it:
// a server that closes with the body unread makes the kernel reset the
// connection, which may destroy its answer.
func SendUnread(addr, head string, body []byte, cfg *tls.Config) (int, string, error) {
	var nc net.Conn
	var err error
	if cfg != nil {
		nc, err = tls.Dial("tcp", addr, cfg)
	} else {
		nc, err = net.Dial("tcp", addr)
	}
	if err != nil {
		return 0, "", err
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(ioTimeout))
	if _, err := io.WriteString(nc, head); err != nil {
		return 0, "", err
	}
	if _, err := nc.Write(body); err != nil {
		return 0, "", fmt.Errorf("writing the body: %w", err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(nc), nil)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}
