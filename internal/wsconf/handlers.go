package wsconf

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/autobahn-go/autobahn/ws"
)

// Panicker is a ws.Handler for the panic tests of both drivers: it panics
// in the callback the client asks for — OnConnect for a request target
// ending in "connect", OnOpen for the subprotocol "panic-open", OnMessage
// for the message "message", OnClose after the message "close" — and
// echoes anything else. Closed, if set, receives every OnClose's code.
type Panicker struct {
	ws.BaseHandler
	Closed chan ws.StatusCode
}

func (h *Panicker) OnConnect(req *ws.ConnectRequest) (ws.Accept, error) {
	if strings.HasSuffix(req.Target, "connect") {
		panic("in OnConnect")
	}
	if len(req.Protocols) > 0 {
		return ws.Accept{Protocol: req.Protocols[0]}, nil
	}
	return ws.Accept{}, nil
}

func (h *Panicker) OnOpen(c *ws.Conn) {
	if c.Subprotocol() == "panic-open" {
		panic("in OnOpen")
	}
}

func (h *Panicker) OnMessage(c *ws.Conn, _ ws.Opcode, p []byte) {
	switch string(p) {
	case "message":
		panic("in OnMessage")
	case "close":
		c.SetData("panic on close")
		_ = c.Close(ws.StatusNormalClosure, "")
		return
	}
	_ = c.WriteMessage(context.Background(), ws.OpText, p)
}

func (h *Panicker) OnClose(c *ws.Conn, _ bool, code ws.StatusCode, _ string) {
	if h.Closed != nil {
		h.Closed <- code
	}
	if c.Data() != nil {
		panic("in OnClose")
	}
}

// LogBuffer is a log sink safe for the server's goroutines and the test.
type LogBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// CheckPanics fails t unless the log holds each of the Panicker's panics
// in callbacks ("OnMessage", ...) exactly once, with the stack that shows
// the panicking handler's frame.
func (l *LogBuffer) CheckPanics(t testing.TB, callbacks ...string) {
	t.Helper()
	out := l.String()
	for _, cb := range callbacks {
		if n := strings.Count(out, "panic=\"in "+cb+"\""); n != 1 {
			t.Errorf("panic %q logged %d times:\n%s", "in "+cb, n, out)
		}
	}
	if !strings.Contains(out, "wsconf.(*Panicker).On") {
		t.Errorf("no stack in the log:\n%s", out)
	}
}
