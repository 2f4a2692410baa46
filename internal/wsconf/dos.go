package wsconf

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/ws"
)

// StartFunc starts a server of one driver on a loopback port with handler h
// and options o, stops it when the test ends, and returns its host:port.
type StartFunc func(t *testing.T, h ws.Handler, o *ws.Options) (addr string)

// A DoSCase is one row of the DoS checklist (issue 15): an attack and the
// defence it must meet, run against a server started by a StartFunc.
type DoSCase struct {
	Name string
	Run  func(t *testing.T, start StartFunc)
}

// DoS runs every row of DoSCases against the driver start serves. A row
// named in skip is skipped with the reason given there (a known finding,
// with its issue).
func DoS(t *testing.T, start StartFunc, skip map[string]string) {
	for _, c := range DoSCases {
		t.Run(c.Name, func(t *testing.T) {
			if why, ok := skip[c.Name]; ok {
				t.Skip(why)
			}
			c.Run(t, start)
		})
	}
}

// DoSOptions are the limits the rows assume (small, so that each row is
// quick): 64 KiB messages, a 2 s handshake timeout, keepalive off.
func DoSOptions() *ws.Options {
	return &ws.Options{MaxFramePayload: 64 << 10, MaxMessagePayload: 64 << 10, HandshakeTimeout: 2 * time.Second,
		PingInterval: -1, CloseTimeout: time.Second, MemoryBudget: ws.NewMemoryBudget(64 << 20)}
}

// DoSHandler echoes every message; the message "flood" makes it write
// 64 KiB messages until a write fails (the peer never reads them), and
// report how many it wrote on Flooded. It counts opens and closes.
type DoSHandler struct {
	ws.BaseHandler
	Flooded chan int
	mu      sync.Mutex
	opened  int
	closed  int
}

// NewDoSHandler returns a DoSHandler ready for use.
func NewDoSHandler() *DoSHandler { return &DoSHandler{Flooded: make(chan int, 1)} }

// floodMax bounds a flood: an output bound that lets more than this many
// 64 KiB messages (64 MiB) queue for a peer that does not read is missing.
const floodMax = 1024

// OnOpen counts the connection.
func (h *DoSHandler) OnOpen(*ws.Conn) { h.mu.Lock(); h.opened++; h.mu.Unlock() }

// OnClose counts the close.
func (h *DoSHandler) OnClose(*ws.Conn, bool, ws.StatusCode, string) {
	h.mu.Lock()
	h.closed++
	h.mu.Unlock()
}

// Counts returns how many connections opened and closed so far.
func (h *DoSHandler) Counts() (opened, closed int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.opened, h.closed
}

// OnMessage echoes p, or floods for the message "flood".
func (h *DoSHandler) OnMessage(c *ws.Conn, op ws.Opcode, p []byte) {
	if string(p) != "flood" {
		_ = c.WriteMessage(context.Background(), op, p)
		return
	}
	big := make([]byte, 64<<10)
	n := 0
	for ; n < floodMax; n++ {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := c.WriteMessage(ctx, ws.OpBinary, big)
		cancel()
		if err != nil {
			break
		}
	}
	h.Flooded <- n
}

const upgradeReq = "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"

// rawConn is a client speaking raw frames to the server under test.
type rawConn struct {
	nc net.Conn
	br *bufio.Reader
}

// dialRaw connects to addr with a deadline of d for the whole exchange.
func dialRaw(t *testing.T, addr string, d time.Duration) *rawConn {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	_ = nc.SetDeadline(time.Now().Add(d))
	return &rawConn{nc: nc, br: bufio.NewReader(nc)}
}

// upgrade dials addr and completes a WebSocket handshake.
func upgrade(t *testing.T, addr string) *rawConn {
	t.Helper()
	c := dialRaw(t, addr, 10*time.Second)
	c.write(t, []byte(upgradeReq))
	if head := c.head(t); !strings.HasPrefix(head, "HTTP/1.1 101 ") {
		t.Fatalf("handshake: %q", head)
	}
	return c
}

func (c *rawConn) write(t *testing.T, b []byte) {
	t.Helper()
	if _, err := c.nc.Write(b); err != nil {
		t.Fatalf("write: %v", err)
	}
}

// head reads a response head (through the empty line) or what came
// before EOF.
func (c *rawConn) head(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	for !strings.HasSuffix(b.String(), "\r\n\r\n") {
		line, err := c.br.ReadString('\n')
		b.WriteString(line)
		if err != nil {
			break
		}
	}
	return b.String()
}

// refused sends in and requires an HTTP 4xx answer and EOF before the
// handshake timeout (the connection deadline is shorter than it).
func refused(t *testing.T, start StartFunc, in string) {
	addr := start(t, NewDoSHandler(), DoSOptions())
	c := dialRaw(t, addr, time.Second)
	if _, err := c.nc.Write([]byte(in)); err != nil {
		t.Fatal(err)
	}
	resp, err := io.ReadAll(c.br)
	if !ended(err) || !strings.HasPrefix(string(resp), "HTTP/1.") || !strings.HasPrefix(string(resp[min(len(resp), 8):]), " 4") {
		t.Fatalf("got %.60q %v, want a 4xx answer and EOF at once", resp, err)
	}
}

// closeCode reads frames until a close frame (its code) or EOF (0).
// Data frames and pings are skipped.
func (c *rawConn) closeCode(t *testing.T) ws.StatusCode {
	t.Helper()
	p := ws.NewParser(ws.ParserConfig{Role: ws.RoleClient, MaxFramePayload: 1 << 30, MaxMessagePayload: 1 << 30})
	buf := make([]byte, 32<<10)
	for {
		n, err := c.br.Read(buf)
		if err != nil {
			if ended(err) {
				return 0
			}
			t.Fatalf("waiting for the close: %v", err)
		}
		data := buf[:n]
		for len(data) > 0 {
			k, ev, err := p.Parse(data)
			data = data[k:]
			if err != nil {
				t.Fatalf("server sent bad frames: %v", err)
			}
			if ev.Kind == ws.EventClose {
				return ev.Code
			}
		}
	}
}

// framesClose upgrades, sends frames and requires a close with want.
func framesClose(opts func(*ws.Options), want ws.StatusCode, frames ...[]byte) func(*testing.T, StartFunc) {
	return func(t *testing.T, start StartFunc) {
		o := DoSOptions()
		if opts != nil {
			opts(o)
		}
		c := upgrade(t, start(t, NewDoSHandler(), o))
		c.write(t, bytes.Join(frames, nil))
		if got := c.closeCode(t); got != want {
			t.Fatalf("closed with %d, want %d", got, want)
		}
	}
}

func mf(op ws.Opcode, fin bool, payload string) []byte {
	return frame(op, fin, 0, true, []byte(payload))
}

// waitUntil polls cond every millisecond until it holds or d passes.
func waitUntil(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, d)
		}
		time.Sleep(time.Millisecond)
	}
}

// bomb dials with ext, sends 1 MiB of zeros (a few KiB compressed) and
// requires 1009: the server inflates no further than its 64 KiB limit.
func bomb(ext func() ws.Extension) func(*testing.T, StartFunc) {
	return func(t *testing.T, start StartFunc) {
		o := DoSOptions()
		o.Extensions = []ws.Extension{ext()}
		addr := start(t, NewDoSHandler(), o)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, err := ws.Dial(ctx, "ws://"+addr+"/", &ws.Options{Extensions: []ws.Extension{ext()}, PingInterval: -1, MaxMessagePayload: 1 << 30, MaxFramePayload: 1 << 30})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(ws.StatusNormalClosure, "")
		if len(c.Extensions()) == 0 {
			t.Fatal("extension not negotiated")
		}
		if err := c.WriteMessage(ctx, ws.OpBinary, make([]byte, 1<<20)); err != nil {
			t.Fatal(err)
		}
		_, _, err = c.ReadMessage(ctx)
		var ce *ws.CloseError
		if !errors.As(err, &ce) || ce.Code != ws.StatusMessageTooBig {
			t.Fatalf("got %v, want close 1009", err)
		}
	}
}

// ended says whether err from reading to the end means the server closed
// the connection (EOF, or a reset because unread input was pending), not
// that the client's deadline passed first.
func ended(err error) bool {
	return err == nil || errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET)
}

// clientHello returns the first flight of a real TLS client.
func clientHello() string {
	a, b := net.Pipe()
	defer a.Close()
	go func() {
		_ = tls.Client(b, &tls.Config{ServerName: "x", InsecureSkipVerify: true}).Handshake()
		b.Close()
	}()
	buf := make([]byte, 4096)
	n, _ := a.Read(buf)
	return string(buf[:n])
}
