package ws

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	abws "github.com/autobahn-go/autobahn/ws"
	gobwas "github.com/gobwas/ws"
	"github.com/gorilla/websocket"
)

const request = "GET /echo HTTP/1.1\r\n" +
	"Host: 127.0.0.1:9000\r\n" +
	"User-Agent: bench\r\n" +
	"Upgrade: websocket\r\n" +
	"Connection: Upgrade\r\n" +
	"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
	"Sec-WebSocket-Version: 13\r\n\r\n"

// Autobahn|Go: ParseRequest + CheckRequest + AppendResponse on []byte,
// reusing the Request and the output buffer, as a server loop does.
func BenchmarkHandshakeAutobahn(b *testing.B) {
	in := []byte(request)
	var req abws.Request
	out := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := abws.ParseRequest(&req, in, abws.HandshakeLimits{}); err != nil {
			b.Fatal(err)
		}
		if err := abws.CheckRequest(&req); err != nil {
			b.Fatal(err)
		}
		out = abws.AppendResponse(out[:0], &req, "", "", nil)
	}
}

type rw struct {
	io.Reader
	io.Writer
}

// gobwas/ws: Upgrader.Upgrade on an io.ReadWriter (its zero-copy upgrade).
func BenchmarkHandshakeGobwas(b *testing.B) {
	in := []byte(request)
	r := bytes.NewReader(in)
	conn := rw{r, io.Discard}
	var u gobwas.Upgrader
	b.ReportAllocs()
	for b.Loop() {
		r.Reset(in)
		if _, err := u.Upgrade(conn); err != nil {
			b.Fatal(err)
		}
	}
}

// fakeConn is a net.Conn that discards writes.
type fakeConn struct{ net.Conn }

func (fakeConn) Write(p []byte) (int, error)      { return len(p), nil }
func (fakeConn) Close() error                     { return nil }
func (fakeConn) SetDeadline(time.Time) error      { return nil }
func (fakeConn) SetReadDeadline(time.Time) error  { return nil }
func (fakeConn) SetWriteDeadline(time.Time) error { return nil }
func (fakeConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (fakeConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }

type hijacker struct {
	http.ResponseWriter
	brw *bufio.ReadWriter
}

func (h *hijacker) Header() http.Header { return http.Header{} }
func (h *hijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return fakeConn{}, h.brw, nil
}

// gorilla/websocket: net/http's request parsing (http.ReadRequest, as the
// server does) and Upgrader.Upgrade.
func BenchmarkHandshakeGorilla(b *testing.B) {
	in := []byte(request)
	r := bytes.NewReader(in)
	br := bufio.NewReader(r)
	brw := bufio.NewReadWriter(bufio.NewReader(r), bufio.NewWriter(io.Discard))
	u := websocket.Upgrader{}
	b.ReportAllocs()
	for b.Loop() {
		r.Reset(in)
		br.Reset(r)
		req, err := http.ReadRequest(br)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := u.Upgrade(&hijacker{brw: brw}, req, nil); err != nil {
			b.Fatal(err)
		}
	}
}
