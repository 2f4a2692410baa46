package wsmetrics_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsmetrics"
)

// laterCloser is echo that also closes with 4002 from a goroutine of its
// own on "later", while the connection's reader waits for input.
type laterCloser struct{ echo }

func (h *laterCloser) OnMessage(c *ws.Conn, op ws.Opcode, p []byte) {
	if string(p) == "later" {
		go func() { _ = c.Close(4002, "later") }()
		return
	}
	h.echo.OnMessage(c, op, p)
}

// TestSilentPeerCloseDiff: the server closes (its Handler with 4001 in
// OnMessage or 4002 from another goroutine, or Shutdown with 1001) and the peer never answers the close frame, so the
// connection is dropped at CloseTimeout: every driver must give OnClose,
// and count, the same code for it, 1006 (RFC 6455 §7.1.5: no close frame
// was received), as wsloop does.
func TestSilentPeerCloseDiff(t *testing.T) {
	for _, how := range []string{"handler", "goroutine", "shutdown"} {
		t.Run(how, func(t *testing.T) {
			codes := map[string]ws.StatusCode{}
			counted := map[string]map[string]uint64{}
			for name, start := range drivers {
				t.Run(name, func(t *testing.T) {
					m := new(wsmetrics.Set)
					h := &laterCloser{echo{closes: make(chan ws.StatusCode, 4)}}
					addr, stop := start(t, h, m, &ws.Options{CloseTimeout: 200 * time.Millisecond})
					defer stop()
					nc, br := rawUpgrade(t, addr)
					defer nc.Close()
					// One message echoed: the connection is open and served.
					_, _ = nc.Write(ws.AppendFrame(nil, ws.OpText, true, true, key, []byte("hi")))
					if n, err := readFrame(br); err != nil || n != 2 {
						t.Fatalf("echo: %d, %v", n, err)
					}
					switch how {
					case "handler", "goroutine":
						msg := map[string]string{"handler": "bye", "goroutine": "later"}[how]
						_, _ = nc.Write(ws.AppendFrame(nil, ws.OpText, true, true, key, []byte(msg)))
					default:
						stop()
					}
					// The peer reads nothing more and never answers.
					select {
					case codes[name] = <-h.echo.closes:
					case <-time.After(10 * time.Second):
						t.Fatal("no OnClose")
					}
					s := m.Snapshot()
					counted[name] = s.CloseCodes
					if s.Active != 0 {
						t.Errorf("Active %d", s.Active)
					}
				})
			}
			for name, code := range codes {
				if code != ws.StatusAbnormalClosure || !reflect.DeepEqual(counted[name], map[string]uint64{"1006": 1}) {
					t.Errorf("%s: OnClose got %d, counted %v; want 1006", name, code, counted[name])
				}
			}
		})
	}
}
